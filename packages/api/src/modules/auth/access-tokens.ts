/**
 * Access tokens: short-lived JWTs, HS256 only, with iss, aud, sub (user id), sid (session id),
 * jti, iat and exp, signed synchronously with node:crypto's HMAC (hs256.ts) and verified by jose,
 * once per token: a verified token is kept until it expires (verified-tokens.ts), so a user's
 * later requests skip the HMAC and the claim checks (the session's revocation is still checked on
 * every request, in authenticate.ts). For jose the key is imported once, as a WebCrypto CryptoKey:
 * jose converts anything else (a KeyObject, raw bytes) into one on every call.
 */
import { createSecretKey, randomUUID, webcrypto, type KeyObject } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import type { AppErrorCode } from '@app/shared';
import type { Clock } from '../../clock';
import { AppError } from '../../errors';
import { signHs256 } from './hs256';
import { VerifiedTokens } from './verified-tokens';

/** Verified tokens kept per process (verified-tokens.ts): a few MB when full (~300-byte tokens). */
const VERIFIED_TOKENS_KEPT = 10_000;

export const ACCESS_TOKEN_ALGORITHM = 'HS256';

/** Accepted difference between our clock and the issuer's when checking token times. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

export interface AccessTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clock: Clock;
  /** Accepted difference between our clock and the issuer's (default DEFAULT_CLOCK_TOLERANCE_SECONDS). */
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
  #key: Promise<webcrypto.CryptoKey> | undefined;
  readonly #raw: Buffer;
  readonly #hmacKey: KeyObject;
  readonly #options: AccessTokenOptions & { clockToleranceSeconds: number };
  readonly #verified: VerifiedTokens<AccessTokenClaims>;

  constructor(options: AccessTokenOptions) {
    const raw = Buffer.from(options.secret, 'utf8');
    this.#raw = raw;
    this.#hmacKey = createSecretKey(raw);
    this.#options = { ...options, clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS };
    this.#verified = new VerifiedTokens(VERIFIED_TOKENS_KEPT, this.#options.clockToleranceSeconds);
  }

  /** jose's key, made on the first verification: loading WebCrypto is a few ms of every start. */
  #cryptoKey(): Promise<webcrypto.CryptoKey> {
    this.#key ??= webcrypto.subtle.importKey('raw', this.#raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    return this.#key;
  }

  get ttlSeconds(): number {
    return this.#options.ttlSeconds;
  }

  issue(subject: { userId: number; sessionId: string }): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = Math.floor(this.#options.clock.now().getTime() / 1000);
    const expiresAt = issuedAt + this.#options.ttlSeconds;
    // The claims in the order jose's SignJWT wrote them: the payload given, then its setters.
    const token = signHs256(
      {
        sid: subject.sessionId,
        iss: this.#options.issuer,
        aud: this.#options.audience,
        sub: String(subject.userId),
        jti: randomUUID(),
        iat: issuedAt,
        exp: expiresAt,
      },
      this.#hmacKey,
    );
    return Promise.resolve({ token, expiresAt: new Date(expiresAt * 1000) });
  }

  /** Verifies signature, algorithm, issuer, audience and expiry; each failure has its own code. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const now = this.#options.clock.now();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const known = this.#verified.get(token, nowSeconds);
    if (known !== undefined) return known;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await this.#cryptoKey(), {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.#options.issuer,
        audience: this.#options.audience,
        clockTolerance: this.#options.clockToleranceSeconds,
        currentDate: now,
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
      }));
    } catch (error) {
      throw new AppError(appCodeForJoseError(error), { cause: error });
    }
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0 || typeof payload.sid !== 'string' || typeof payload.jti !== 'string') {
      throw new AppError('AUTH_TOKEN_CLAIMS_INVALID');
    }
    const claims = { userId, sessionId: payload.sid, jti: payload.jti, expiresAt: new Date(Number(payload.exp) * 1000) };
    this.#verified.set(token, claims, Number(payload.exp));
    return claims;
  }
}
