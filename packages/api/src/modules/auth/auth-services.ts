import type { AccessTokens } from './access-tokens';
import type { Authenticate } from './authenticate';
import type { RevocationStore } from './revocations';
import type { SessionKeyCipher } from './session-key-cipher';

/** What the auth module runs on, built once at start-up (services.ts). */
export interface AuthServices {
  tokens: AccessTokens;
  revocations: RevocationStore;
  sessionKeys: SessionKeyCipher;
  refreshTokenTtlSeconds: number;
  /** Authorization header → live session, or a coded AUTH_* error. */
  authenticate: Authenticate;
}
