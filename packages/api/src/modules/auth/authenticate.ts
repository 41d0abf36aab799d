/**
 * From an Authorization header to a session: a valid access token for a session not revoked.
 * Built once into the services (services.ts), so procedures and plain routes share it.
 */
import { AppError } from '../../errors';
import type { AccessTokens } from './access-tokens';
import type { RevocationStore } from './revocations';
import type { Session } from './session';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

export type Authenticate = (authorization: string | null) => Promise<Session>;

export function createAuthenticate(tokens: Pick<AccessTokens, 'verify'>, revocations: Pick<RevocationStore, 'isRevoked'>): Authenticate {
  return async (authorization) => {
    if (!authorization) throw new AppError('AUTH_REQUIRED');
    const token = BEARER.exec(authorization)?.[1];
    if (!token) throw new AppError('AUTH_TOKEN_MALFORMED');
    const claims = await tokens.verify(token);
    if (await revocations.isRevoked(claims.sessionId)) throw new AppError('AUTH_SESSION_REVOKED');
    return { userId: claims.userId, sessionId: claims.sessionId };
  };
}
