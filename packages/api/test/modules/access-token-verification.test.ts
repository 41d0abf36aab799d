/**
 * Access tokens against jose: for every kind of token, one of ours or a forgery, AccessTokens.verify
 * (behind its cache of verified tokens) answers what jose itself answers, coded; tokens are signed
 * with the very bytes jose's SignJWT writes (hs256.ts); and the cache (verified-tokens.ts) never
 * outlives a token.
 */
import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import type { AppError } from '../../src/errors';
import { AccessTokens } from '../../src/modules/auth/access-tokens';
import { VerifiedTokens } from '../../src/modules/auth/verified-tokens';

const SECRET = 'test-secret-of-sufficient-length-0123456789';
const CHECKS = { issuer: 'issuer', audience: 'audience', clockToleranceSeconds: 30 };
const NOW = 1_800_000_000;
const key = createSecretKey(Buffer.from(SECRET, 'utf8'));

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const PLAIN_HEADER = JSON.stringify({ alg: 'HS256', typ: 'JWT' });

/** A token signed with SECRET (or `secret`), with exactly this header and payload text. */
function sign(payload: string | Buffer, { header = PLAIN_HEADER, secret = SECRET } = {}): string {
  const signed = `${b64(header)}.${b64(payload)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

const valid = { iss: 'issuer', aud: 'audience', sub: '7', sid: 'session', jti: 'jti', iat: NOW - 10, exp: NOW + 900 };
const claims = (changes: Record<string, unknown>, drop: string[] = []) =>
  JSON.stringify(Object.fromEntries(Object.entries({ ...valid, ...changes }).filter(([name]) => !drop.includes(name))));

/** jose's answer, coded as access-tokens.ts codes it. */
async function joseCode(token: string): Promise<string> {
  try {
    await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: CHECKS.issuer,
      audience: CHECKS.audience,
      clockTolerance: CHECKS.clockToleranceSeconds,
      currentDate: new Date(NOW * 1000),
      requiredClaims: ['sub', 'jti', 'iat', 'exp'],
    });
    return 'valid';
  } catch (error) {
    if (error instanceof errors.JWTExpired) return 'AUTH_TOKEN_EXPIRED';
    if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'AUTH_TOKEN_ALGORITHM_INVALID';
    if (error instanceof errors.JWSSignatureVerificationFailed) return 'AUTH_TOKEN_SIGNATURE_INVALID';
    if (error instanceof errors.JWTClaimValidationFailed) return 'AUTH_TOKEN_CLAIMS_INVALID';
    return 'AUTH_TOKEN_MALFORMED';
  }
}

const cases: Array<[string, string]> = [
  ['ours', sign(claims({}))],
  ['no typ in the header', sign(claims({}), { header: JSON.stringify({ alg: 'HS256' }) })],
  ['expired beyond the tolerance', sign(claims({ exp: NOW - 31 }))],
  ['expired exactly at the tolerance', sign(claims({ exp: NOW - 30 }))],
  ['expired within the tolerance', sign(claims({ exp: NOW - 29 }))],
  ['exp not a number', sign(claims({ exp: String(NOW + 900) }))],
  ['no exp', sign(claims({}, ['exp']))],
  ['nbf ahead beyond the tolerance', sign(claims({ nbf: NOW + 31 }))],
  ['nbf ahead within the tolerance', sign(claims({ nbf: NOW + 30 }))],
  ['nbf not a number', sign(claims({ nbf: 'soon' }))],
  ['another issuer', sign(claims({ iss: 'someone-else' }))],
  ['no issuer', sign(claims({}, ['iss']))],
  ['another audience', sign(claims({ aud: 'another-app' }))],
  ['audiences including ours', sign(claims({ aud: ['other', 'audience'] }))],
  ['audiences without ours', sign(claims({ aud: ['other'] }))],
  ['an audience that is a number', sign(claims({ aud: 7 }))],
  ['no audience', sign(claims({}, ['aud']))],
  ['iat not a number', sign(claims({ iat: 'now' }))],
  ['no iat', sign(claims({}, ['iat']))],
  ['no jti', sign(claims({}, ['jti']))],
  ['no sub', sign(claims({}, ['sub']))],
  ['claims that are an array', sign('[1,2]')],
  ['claims that are null', sign('null')],
  ['claims that are not JSON', sign('{"iss":')],
  ['claims that are not UTF-8', sign(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))],
  ['another secret', sign(claims({}), { secret: 'another-secret-of-sufficient-length-0000' })],
  ['a zeroed signature', `${sign(claims({})).split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}`],
  ['a short signature', `${sign(claims({})).split('.').slice(0, 2).join('.')}.${'A'.repeat(42)}`],
  ['HS512', sign(claims({}), { header: JSON.stringify({ alg: 'HS512', typ: 'JWT' }) })],
  ['alg none', `${b64(JSON.stringify({ alg: 'none' }))}.${b64(claims({}))}.`],
  ['a header with crit', sign(claims({}), { header: JSON.stringify({ alg: 'HS256', crit: ['exp'] }) })],
  ['a header in another order', sign(claims({}), { header: JSON.stringify({ typ: 'JWT', alg: 'HS256' }) })],
  ['four parts', `${sign(claims({}))}.x`],
  ['two parts', sign(claims({})).split('.').slice(0, 2).join('.')],
];

/** AccessTokens as the tests use them: 900 s tokens, on a clock at `now()` (seconds). */
const tokensAt = (now: () => number) =>
  new AccessTokens({
    secret: SECRET,
    issuer: 'issuer',
    audience: 'audience',
    ttlSeconds: 900,
    clock: { now: () => new Date(now() * 1000) },
  });

describe('AccessTokens.issue', () => {
  it("writes the very bytes jose's SignJWT writes for the same claims", async () => {
    const tokens = tokensAt(() => NOW);
    const { token } = await tokens.issue({ userId: 7, sessionId: 'session' });
    const { jti } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { jti: string };
    const byJose = await new SignJWT({ sid: 'session' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('issuer')
      .setAudience('audience')
      .setSubject('7')
      .setJti(jti)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 900)
      .sign(key);
    expect(token).toBe(byJose);
  });
});

describe('AccessTokens.verify', () => {
  it.each(cases)('answers as jose does: %s', async (_label, token) => {
    const tokens = tokensAt(() => NOW);
    const code = await tokens.verify(token).then(
      () => 'valid',
      (error: unknown) => (error as AppError).appCode,
    );
    expect(code).toBe(await joseCode(token));
  });

  it('has cases that jose takes and cases for every code the verifier fails with', async () => {
    // access-tokens.ts: appCodeForJoseError's codes (AUTH_TOKEN_CLAIMS_INVALID is also its own check's).
    const outcomes = new Set(await Promise.all(cases.map(([, token]) => joseCode(token))));
    expect([...outcomes].sort()).toEqual(
      [
        'valid',
        'AUTH_TOKEN_EXPIRED',
        'AUTH_TOKEN_ALGORITHM_INVALID',
        'AUTH_TOKEN_SIGNATURE_INVALID',
        'AUTH_TOKEN_CLAIMS_INVALID',
        'AUTH_TOKEN_MALFORMED',
      ].sort(),
    );
  });

  it('takes the tokens it issues', async () => {
    const tokens = tokensAt(() => NOW);
    const sessionId = randomUUID();
    const { token } = await tokens.issue({ userId: 7, sessionId });
    expect(await tokens.verify(token)).toMatchObject({ userId: 7, sessionId });
  });

  it('stops accepting a cached token when it expires', async () => {
    let now = NOW;
    const tokens = tokensAt(() => now);
    const token = sign(claims({ exp: NOW + 60 }));
    expect((await tokens.verify(token)).userId).toBe(7);
    now = NOW + 89; // within the tolerance: still valid, from the cache
    expect((await tokens.verify(token)).userId).toBe(7);
    now = NOW + 90;
    await expect(tokens.verify(token)).rejects.toMatchObject({ appCode: 'AUTH_TOKEN_EXPIRED' });
  });
});

describe('VerifiedTokens', () => {
  it('keeps at most its capacity, dropping the oldest', () => {
    const kept = new VerifiedTokens<{ n: number }>(2, 0);
    kept.set('a', { n: 1 }, NOW + 60);
    kept.set('b', { n: 2 }, NOW + 60);
    kept.set('c', { n: 3 }, NOW + 60);
    expect([kept.get('a', NOW), kept.get('b', NOW)?.n, kept.get('c', NOW)?.n]).toEqual([undefined, 2, 3]);
  });

  it('forgets an entry once its token has expired', () => {
    const kept = new VerifiedTokens<{ n: number }>(10, 30);
    kept.set('a', { n: 1 }, NOW);
    expect(kept.get('a', NOW + 29)?.n).toBe(1);
    expect(kept.get('a', NOW + 30)).toBeUndefined();
    expect(kept.get('a', NOW)).toBeUndefined();
  });
});
