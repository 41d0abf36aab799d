/**
 * The access tokens this server issues, signed and verified synchronously with node:crypto's HMAC:
 * jose goes through WebCrypto, whose HMAC is a job with a promise around it, and that path was the
 * largest single cost of an authenticated request (verifying this way: 10 % less of user.me's CPU,
 * measured paired; bench/README.md). The checks are jose's, as AccessTokens.verify configures it, in its order and with its
 * outcomes (see access-tokens.ts for the codes): only tokens of the two plain HS256 headers below
 * and a 43-character signature are taken here; anything else (another algorithm, `crit`, `b64`,
 * `kid`, a malformed compact form) is left to jose, which answers it as before.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { AppError } from '../../errors';

export interface ClaimChecks {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

/** The protected header of the tokens this server issues. */
const ISSUED_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
/** What AccessTokens.issue writes, and the bare form (no `typ`). */
const PLAIN_HEADERS = new Set([ISSUED_HEADER, Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url')]);
/** An HMAC-SHA-256, 32 bytes, in base64url without padding. */
const SIGNATURE_LENGTH = 43;
// jose decodes the claims as strict UTF-8: a malformed byte is a malformed token, not U+FFFD.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const claimsInvalid = (): never => {
  throw new AppError('AUTH_TOKEN_CLAIMS_INVALID');
};

/**
 * The claims of `token` when it is one of ours and valid at `nowSeconds`; an AppError with the code
 * jose's failure maps to when it is one of ours and invalid; undefined when it is not of the plain
 * form taken here (the caller asks jose).
 */
export function verifyHs256(token: string, key: KeyObject, checks: ClaimChecks, nowSeconds: number): Record<string, unknown> | undefined {
  const headerEnd = token.indexOf('.');
  const payloadEnd = token.indexOf('.', headerEnd + 1);
  if (headerEnd < 0 || payloadEnd < 0 || token.includes('.', payloadEnd + 1)) return undefined;
  if (token.length - payloadEnd - 1 !== SIGNATURE_LENGTH || !PLAIN_HEADERS.has(token.slice(0, headerEnd))) return undefined;

  const expected = createHmac('sha256', key).update(token.slice(0, payloadEnd)).digest();
  const given = Buffer.from(token.slice(payloadEnd + 1), 'base64url');
  // Constant time: how much of a forged signature matches must not show in the time taken.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('AUTH_TOKEN_SIGNATURE_INVALID');

  let claims: unknown;
  try {
    claims = JSON.parse(strictUtf8.decode(Buffer.from(token.slice(headerEnd + 1, payloadEnd), 'base64url')));
  } catch (cause) {
    throw new AppError('AUTH_TOKEN_MALFORMED', { cause });
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new AppError('AUTH_TOKEN_MALFORMED');
  const set = claims as Record<string, unknown>;
  // Required: AccessTokens.verify's requiredClaims, and iss and aud, which it checks.
  for (const claim of ['iss', 'aud', 'exp', 'iat', 'jti', 'sub']) if (!Object.hasOwn(set, claim)) claimsInvalid();
  if (set.iss !== checks.issuer) claimsInvalid();
  const { aud } = set;
  if (typeof aud === 'string' ? aud !== checks.audience : !Array.isArray(aud) || !aud.includes(checks.audience)) claimsInvalid();
  if (typeof set.iat !== 'number') claimsInvalid();
  const tolerance = checks.clockToleranceSeconds;
  if (set.nbf !== undefined && (typeof set.nbf !== 'number' || set.nbf > nowSeconds + tolerance)) claimsInvalid();
  if (typeof set.exp !== 'number') claimsInvalid();
  if ((set.exp as number) <= nowSeconds - tolerance) throw new AppError('AUTH_TOKEN_EXPIRED');
  return set;
}

/**
 * A compact JWS of these claims with the header above, as jose's SignJWT writes it (the same bytes
 * for the same claims in the same order), signed synchronously: jose signs through WebCrypto, a
 * job with a promise around it, about 6 % of a sign-in's CPU in a profile under load.
 */
export function signHs256(claims: Record<string, unknown>, key: KeyObject): string {
  const signed = `${ISSUED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
}
