// The floor for bench/http-load.mjs: the least CPU a Node process spends on user.me's work, the
// same work as the bare Fastify route and the Go reference (bench/gin/main.go says what that is),
// with nothing between it and Node: node:http, a raw mysql2 pool, the token checked with
// crypto.createHmac (and kept verified, as the server does), the log line written straight to fd 1. It is a yardstick, not a server to
// deploy: no error handling beyond the status codes, no timeouts, no shutdown.
// Environment: PORT, HOST, DATABASE_URL, JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE,
// ACCESS_TOKEN_TTL_SECONDS, DB_POOL_SIZE; FLOOR_STATEMENT=execute uses prepared statements
// (mysql2's execute) instead of query (client-side escaping, one round trip, as Kysely does).
import { createHmac, createSecretKey, randomUUID, timingSafeEqual } from 'node:crypto';
import { writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { createPool } from 'mysql2';

const env = process.env;
const issuer = env.JWT_ISSUER ?? 'wechat-miniprogram-api';
const audience = env.JWT_AUDIENCE ?? 'wechat-miniprogram';
const tolerance = 30;
const key = createSecretKey(Buffer.from(env.JWT_SECRET ?? '', 'utf8'));
const revocationTtlMs = (Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900) + 60) * 1000;
const pool = createPool({
  uri: env.DATABASE_URL,
  connectionLimit: Number(env.DB_POOL_SIZE ?? 10),
  timezone: 'Z',
  charset: 'utf8mb4_unicode_ci',
});
const run = env.FLOOR_STATEMENT === 'execute' ? pool.execute.bind(pool) : pool.query.bind(pool);

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;
const EXPECTED_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
// helmet's headers as the server sends them; written with each answer by writeHead.
const HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'cross-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'content-type': 'application/json; charset=utf-8',
};

/** The claims of a valid token, or the error code (the checks of AccessTokens.verify). */
function verify(token) {
  const [header, payload, signature] = token.split('.');
  // The usual header is compared as text; any other is parsed and its algorithm checked.
  if (header !== EXPECTED_HEADER) {
    let alg;
    try {
      alg = JSON.parse(Buffer.from(header, 'base64url').toString()).alg;
    } catch {
      return 'AUTH_TOKEN_MALFORMED';
    }
    if (alg !== 'HS256') return 'AUTH_TOKEN_ALGORITHM_INVALID';
  }
  const expected = createHmac('sha256', key).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'AUTH_TOKEN_SIGNATURE_INVALID';
  let claims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  } catch {
    return 'AUTH_TOKEN_MALFORMED';
  }
  if (claims === null || typeof claims !== 'object') return 'AUTH_TOKEN_MALFORMED';
  const now = Math.floor(Date.now() / 1000);
  if (claims.sub === undefined || claims.jti === undefined || claims.iat === undefined || claims.exp === undefined) {
    return 'AUTH_TOKEN_CLAIMS_INVALID';
  }
  if (claims.iss !== issuer) return 'AUTH_TOKEN_CLAIMS_INVALID';
  if (claims.aud !== audience && !(Array.isArray(claims.aud) && claims.aud.includes(audience))) return 'AUTH_TOKEN_CLAIMS_INVALID';
  if (typeof claims.iat !== 'number') return 'AUTH_TOKEN_CLAIMS_INVALID';
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + tolerance)) return 'AUTH_TOKEN_CLAIMS_INVALID';
  if (typeof claims.exp !== 'number') return 'AUTH_TOKEN_CLAIMS_INVALID';
  if (claims.exp <= now - tolerance) return 'AUTH_TOKEN_EXPIRED';
  const userId = Number(claims.sub);
  if (!Number.isSafeInteger(userId) || userId <= 0 || typeof claims.sid !== 'string' || typeof claims.jti !== 'string') {
    return 'AUTH_TOKEN_CLAIMS_INVALID';
  }
  return { userId, sessionId: claims.sid, exp: claims.exp };
}

// Verified tokens by the token, expiring with it, at most 10,000: the cache the issue allows and
// the server keeps (packages/api, verified-tokens.ts); the revocation check still runs every time.
const verified = new Map();
function verifyKnown(token) {
  const known = verified.get(token);
  if (known !== undefined && known.exp > Math.floor(Date.now() / 1000) - tolerance) return known.session;
  const session = verify(token);
  if (typeof session !== 'string') {
    if (verified.size >= 10_000) verified.delete(verified.keys().next().value);
    verified.set(token, { session, exp: session.exp });
  }
  return session;
}

// MemoryRevocationStore's view, filled before the first check (the floor need not ask the record).
const revokedUntil = new Map();
await new Promise((resolve, reject) =>
  run('SELECT id FROM auth_sessions WHERE revoked_at >= ?', [new Date(Date.now() - revocationTtlMs)], (error, rows) => {
    if (error) return reject(error);
    for (const row of rows) revokedUntil.set(row.id, Date.now() + revocationTtlMs);
    resolve();
  }),
);
const isRevoked = (sessionId) => (revokedUntil.get(sessionId) ?? 0) > Date.now();

// @app/shared's maskPhone, copied: the shared one is TypeScript, which plain node cannot load
// without a loader or a bundle in this process. http-load.mjs checks before measuring that the
// floor answers the bare route's body byte for byte, for a user with a phone to mask, so a copy
// that drifted from the shared function stops the bench.
function maskPhone(phone) {
  const all = phone.replace(/\D/g, '');
  const digits = all.length === 13 && all.startsWith('86') ? all.slice(2) : all;
  if (digits.length < 7) return '****';
  return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

function answer(req, res, id, started, status, body) {
  res.writeHead(status, { ...HEADERS, 'x-request-id': id, 'content-length': Buffer.byteLength(body) });
  res.end(body);
  const path = req.url.split('?', 1)[0];
  const durationMs = Math.round((performance.now() - started) * 100) / 100;
  writeSync(
    1,
    `{"level":"info","time":"${new Date().toISOString()}","service":"server","version":"floor","reqId":"${id}","method":"${req.method}","path":${JSON.stringify(path)},"status":${status},"durationMs":${durationMs},"msg":"request"}\n`,
  );
}

const server = createServer((req, res) => {
  const started = performance.now();
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  if (req.url === '/healthz') return answer(req, res, id, started, 200, '{"ok":true}');
  if (!req.url.startsWith('/bench/user-me')) return answer(req, res, id, started, 404, '{"code":"NOT_FOUND"}');
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return answer(req, res, id, started, 401, '{"code":"AUTH_TOKEN_MALFORMED"}');
  const session = verifyKnown(token);
  if (typeof session === 'string') return answer(req, res, id, started, 401, `{"code":"${session}"}`);
  if (isRevoked(session.sessionId)) return answer(req, res, id, started, 401, '{"code":"AUTH_SESSION_REVOKED"}');
  run('SELECT * FROM users WHERE id = ?', [session.userId], (error, rows) => {
    if (error) return answer(req, res, id, started, 503, '{"code":"SERVICE_UNAVAILABLE"}');
    const row = rows[0];
    if (!row) return answer(req, res, id, started, 401, '{"code":"AUTH_SESSION_REVOKED"}');
    // packages/api's toPublicUser, copied for the same reason and checked the same way as maskPhone.
    const user = {
      id: row.id,
      nickname: row.nickname,
      avatarUrl: row.avatar_url,
      phoneMasked: row.phone === null ? null : maskPhone(row.phone),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
    answer(req, res, id, started, 200, JSON.stringify(user));
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(env.PORT), env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  pool.end(() => process.exit(0));
});
