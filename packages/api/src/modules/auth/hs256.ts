/**
 * The access tokens this server issues, signed synchronously with node:crypto's HMAC: jose signs
 * through WebCrypto, a job with a promise around it (signing this way: a sign-in's CPU 0.90×,
 * measured paired; bench/README.md). Verification stays jose's (access-tokens.ts), behind the
 * cache of verified tokens, so it runs once per token.
 */
import { createHmac, type KeyObject } from 'node:crypto';

/** The protected header of the tokens this server issues. */
const ISSUED_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * A compact JWS of these claims with the header above, as jose's SignJWT writes it (the same bytes
 * for the same claims in the same order).
 */
export function signHs256(claims: Record<string, unknown>, key: KeyObject): string {
  const signed = `${ISSUED_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
}
