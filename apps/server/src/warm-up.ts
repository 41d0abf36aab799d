/**
 * `--warm-up` (main.ts): the server's start and its first requests, run once at build time so that
 * the code they need is compiled into the compile cache the bundle ships with
 * (build/warm-compile-cache.mjs). It takes the path of a production start: a production
 * configuration with throwaway secrets, listening on a real port, the first requests over HTTP,
 * a signed-in user's `user.me` among them, on an in-memory SQLite database; then it closes. The
 * MySQL driver is loaded too, and its connect path run against a port where nothing listens.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Services } from '@app/api';
import { createDatabase, migrateToLatest, pingDatabase } from '@app/api/db';
import { buildApp } from './app';
import { loadConfig } from './config';

/** The requests a start usually answers first: probes, anonymous calls (401s and a 404 among them). */
const FIRST_REQUESTS = ['/healthz', '/readyz', '/trpc/health', '/trpc/user.me', '/api/me', '/api/products', '/no-such-route'];
const SIGNED_IN_REQUESTS = [
  // user.me as the mini-program's tRPC client asks for it: a batch of one, no input.
  '/trpc/user.me?batch=1&input=%7B%220%22%3A%7B%22json%22%3Anull%2C%22meta%22%3A%7B%22values%22%3A%5B%22undefined%22%5D%2C%22v%22%3A1%7D%7D%7D',
  '/api/me',
];

/** The status of a GET to the warm-up's own server. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers, timeout: 10_000 }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
    })
      .once('timeout', function (this: ReturnType<typeof request>) {
        this.destroy(new Error(`GET ${path} took over 10 s`));
      })
      .once('error', reject)
      .end();
  });
}

/** Answers the warm-up must get, or what it compiles is not the path a real start takes. */
async function expectOk(port: number, path: string, headers?: Record<string, string>): Promise<void> {
  const status = await get(port, path, headers);
  if (status !== 200) throw new Error(`warm-up: GET ${path} answered ${status}, not 200`);
}

/** A user with a live session in `db`, and an access token for it signed as the server signs. */
async function signedInUser(services: Services): Promise<string> {
  const now = services.clock.now();
  const user = await services.db
    .insertInto('users')
    .values({
      openid: 'warm-up',
      unionid: null,
      nickname: '预热',
      avatar_url: null,
      phone: '+8613800138000',
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow();
  const sessionId = randomUUID();
  await services.db
    .insertInto('auth_sessions')
    .values({
      id: sessionId,
      user_id: Number(user.insertId),
      session_key_ciphertext: 'warm-up',
      created_at: now,
      expires_at: new Date(now.getTime() + 3_600_000),
      revoked_at: null,
      revoked_reason: null,
    })
    .execute();
  const { token } = await services.auth.tokens.issue({ userId: Number(user.insertId), sessionId });
  return token;
}

/** Port 9 (discard): nothing listens there, so the connection is refused at once. */
const NO_MYSQL_URL = 'mysql://warm-up@127.0.0.1:9/warm-up';

async function loadMysqlDriver(): Promise<void> {
  const mysql = createDatabase({ url: NO_MYSQL_URL, poolSize: 1, connectTimeoutMs: 1_000 });
  await pingDatabase(mysql, 2_000);
  await mysql.destroy();
}

export async function warmUp(): Promise<void> {
  const secret = 'w'.repeat(48);
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'sqlite::memory:',
    JWT_SECRET: secret,
    SESSION_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    WECHAT_APP_ID: 'wx0000000000000001',
    WECHAT_APP_SECRET: secret,
    WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
  });
  await loadMysqlDriver();
  const db = createDatabase({ url: config.database.url, poolSize: 1 });
  try {
    await migrateToLatest(db);
    let services: Services | undefined;
    const app = await buildApp(config, { db, extend: (_app, built) => (services = built) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    await expectOk(port, '/healthz');
    for (const path of FIRST_REQUESTS) await get(port, path);
    if (services) {
      const authorization = `Bearer ${await signedInUser(services)}`;
      for (const path of SIGNED_IN_REQUESTS) await expectOk(port, path, { authorization });
    }
    await app.close();
  } finally {
    await db.destroy();
  }
}
