/**
 * From an Authorization header to a session: a valid access token for a session not revoked.
 */
import type { Context, Session } from '../../context';
import { AppError } from '../../errors';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

export async function authenticate(ctx: Pick<Context, 'auth'>, authorization: string | null): Promise<Session> {
  if (!authorization) throw new AppError('AUTH_REQUIRED');
  const match = BEARER.exec(authorization);
  if (!match?.[1]) throw new AppError('AUTH_TOKEN_MALFORMED');
  const claims = await ctx.auth.tokens.verify(match[1]);
  if (await ctx.auth.revocations.isRevoked(claims.sessionId)) throw new AppError('AUTH_SESSION_REVOKED');
  return { userId: claims.userId, sessionId: claims.sessionId };
}
