/**
 * The tRPC context. `createContextInner` takes everything explicitly (services and the request's
 * facts), so tests build a context without HTTP; the server's adapter builds one per request.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Database } from './db/schema';
import type { AccessTokens } from './modules/auth/access-tokens';
import type { RevocationStore } from './modules/auth/revocations';
import type { SessionKeyCipher } from './modules/auth/session-key-cipher';
import type { UploadServices } from './modules/uploads/uploads.service';
import type { RateLimits } from './rate-limits';
import type { WeChatClient } from './wechat/client';

export interface AuthServices {
  tokens: AccessTokens;
  revocations: RevocationStore;
  sessionKeys: SessionKeyCipher;
  refreshTokenTtlSeconds: number;
}

/** Long-lived dependencies, created once at start-up (services.ts) and shared by all requests. */
export interface Services {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  wechat: WeChatClient;
  auth: AuthServices;
  rateLimits: RateLimits;
  uploads: UploadServices;
  /** Application version reported by `health`. */
  version: string;
  /** Send stacks and internal messages of server faults to clients: never in production. */
  exposeErrors: boolean;
}

/** Who is calling: known once the access token has been verified. */
export interface Session {
  userId: number;
  sessionId: string;
}

export interface RequestFacts {
  requestId: string;
  /** Client address, for rate limits and audit logs. */
  ip: string;
  /** The raw Authorization header; verified only by procedures that need a session. */
  authorization: string | null;
  /** An already verified session (tests, internal callers); otherwise resolved from `authorization`. */
  session: Session | null;
}

export interface Context extends Services, RequestFacts {}

/**
 * Built field by field: V8 makes `{ ...services, requestId, ... }` (a spread followed by more
 * properties) about a hundred times slower than this literal, and it runs on every request.
 */
export function createContextInner(services: Services, request: Partial<RequestFacts> = {}): Context {
  return {
    db: services.db,
    clock: services.clock,
    logger: services.logger,
    wechat: services.wechat,
    auth: services.auth,
    rateLimits: services.rateLimits,
    uploads: services.uploads,
    version: services.version,
    exposeErrors: services.exposeErrors,
    requestId: request.requestId ?? 'internal',
    ip: request.ip ?? '127.0.0.1',
    authorization: request.authorization ?? null,
    session: request.session ?? null,
  };
}
