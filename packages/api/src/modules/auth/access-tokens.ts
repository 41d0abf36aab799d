/**
 * Access tokens: short-lived JWTs, HS256 only, with iss, aud, sub (user id), sid (session id),
 * jti, iat and exp. The key is imported once, as a WebCrypto CryptoKey: jose converts anything else
 * (a KeyObject, raw bytes) into one on every call, which cost the request path more than the HMAC.
 */
import { randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { AppErrorCode } from '@app/shared';
import type { Clock } from '../../clock';
import { AppError } from '../../errors';

export const ACCESS_TOKEN_ALGORITHM = 'HS256';

export interface AccessTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clock: Clock;
  /** Accepted difference between our clock and the issuer's (default 30 s). */
  clockToleranceSeconds?: number;
}

export interface AccessTokenClaims {
  userId: number;
  sessionId: string;
  jti: string;
  expiresAt: Date;
}

function appCodeForJoseError(error: unknown): AppErrorCode {
  if (error instanceof errors.JWTExpired) return 'AUTH_TOKEN_EXPIRED';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'AUTH_TOKEN_ALGORITHM_INVALID';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'AUTH_TOKEN_SIGNATURE_INVALID';
  if (error instanceof errors.JWTClaimValidationFailed) return 'AUTH_TOKEN_CLAIMS_INVALID';
  return 'AUTH_TOKEN_MALFORMED';
}

export class AccessTokens {
  readonly #key: Promise<webcrypto.CryptoKey>;
  readonly #options: AccessTokenOptions & { clockToleranceSeconds: number };

  constructor(options: AccessTokenOptions) {
    const raw = Buffer.from(options.secret, 'utf8');
    this.#key = webcrypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    this.#options = { ...options, clockToleranceSeconds: options.clockToleranceSeconds ?? 30 };
  }

  get ttlSeconds(): number {
    return this.#options.ttlSeconds;
  }

  async issue(subject: { userId: number; sessionId: string }): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(this.#options.clock.now().getTime() / 1000);
    const expiresAt = issuedAt + this.#options.ttlSeconds;
    const token = await new SignJWT({ sid: subject.sessionId })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: 'JWT' })
      .setIssuer(this.#options.issuer)
      .setAudience(this.#options.audience)
      .setSubject(String(subject.userId))
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(await this.#key);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  /** Verifies signature, algorithm, issuer, audience and expiry; each failure has its own code. */
  async verify(token: string): Promise<AccessTokenClaims> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await this.#key, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        clockTolerance: this.#options.clockToleranceSeconds,
        currentDate: this.#options.clock.now(),
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch (error) {
      throw new AppError(appCodeForJoseError(error), { cause: error });
    }
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof payload.sid !== 'string' || typeof payload.jti !== 'string') {
      throw new AppError('AUTH_TOKEN_CLAIMS_INVALID');
    }
    return { userId, sessionId: payload.sid, jti: payload.jti, expiresAt: new Date(Number(payload.exp) * 1000) };
  }
}
