/**
 * `--warm-up <SQLite URL>` (main.ts): the server's start and its first requests, run once at build
 * time so that the code they need is compiled into the compile cache the bundle ships with
 * (build/warm-compile-cache.mjs, which migrates the database first: the migrations stay out of
 * the server's bundle). It takes the path of a production start: a production configuration with
 * throwaway secrets, listening on a real port, the first requests over HTTP, a sign-in and the
 * signed-in user's `user.me`; then it closes. The MySQL driver connects and queries too, against a
 * stand-in server (warm-up-mysql.ts), and the HTTP client of the WeChat clients is loaded and its
 * connect path run against a port where nothing listens.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { login, type Services } from '@app/api';
import { createDatabase, pingDatabase } from '@app/api/db';
import { buildApp } from './app';
import { loadConfig } from './config';
import { startWarmUpMysql } from './warm-up-mysql';

/** The requests a start usually answers first, after /healthz: probes, anonymous calls (401s, a 404). */
const FIRST_REQUESTS = ['/readyz', '/trpc/health', '/trpc/user.me', '/api/me', '/api/products', '/no-such-route'];
const SIGNED_IN_REQUESTS = [
  // user.me as the mini-program's tRPC client asks for it: a batch of one, no input sent.
  '/trpc/user.me?batch=1',
  // As tRPC's own links ask for it: superjson's form of undefined as the input.
  '/trpc/user.me?batch=1&input=%7B%220%22%3A%7B%22json%22%3Anull%2C%22meta%22%3A%7B%22values%22%3A%5B%22undefined%22%5D%2C%22v%22%3A1%7D%7D%7D',
  '/api/me',
];

/** What WeChat's code2Session would answer for the warm-up's user: the sign-in runs as for real. */
const WARM_UP_WECHAT_SESSION = { openid: 'warm-up', unionid: null, sessionKey: Buffer.alloc(16, 1).toString('base64') };

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

/** The MySQL driver loaded, connecting and querying, against a stand-in server (warm-up-mysql.ts). */
async function warmMysqlDriver(): Promise<void> {
  const server = await startWarmUpMysql();
  const mysql = createDatabase({ url: server.url, poolSize: 1, connectTimeoutMs: 1_000 });
  try {
    // Twice: a connection made, then one the pool lends again, as a first user.me uses them.
    for (let query = 0; query < 2; query += 1) {
      if (!(await pingDatabase(mysql, 2_000))) throw new Error('warm-up: the MySQL driver got no answer from the stand-in server');
    }
  } finally {
    await mysql.destroy();
    await server.close();
  }
}

/** A code2Session through the real client to a WeChat where nothing listens: refused, as expected. */
async function loadHttpClient(wechat: Services['wechat']): Promise<void> {
  const failed = await wechat.code2Session('warm-up').then(
    () => false,
    () => true,
  );
  if (!failed) throw new Error('warm-up: code2Session succeeded on a port where nothing listens');
}

export async function warmUp(databaseUrl: string | undefined): Promise<void> {
  if (!databaseUrl?.startsWith('sqlite:')) throw new Error('--warm-up needs the URL of a migrated SQLite database');
  const secret = 'w'.repeat(48);
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    SESSION_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    WECHAT_APP_ID: 'wx0000000000000001',
    WECHAT_APP_SECRET: secret,
    WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
  });
  await warmMysqlDriver();
  let services: Services | undefined;
  const app = await buildApp(config, { extend: (_app, built) => (services = built) });
  try {
    if (!services) throw new Error('buildApp did not call extend: the warm-up cannot sign in');
    await loadHttpClient(services.wechat);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    await expectOk(port, '/healthz');
    for (const path of FIRST_REQUESTS) await get(port, path);
    const wechat = { code2Session: () => Promise.resolve(WARM_UP_WECHAT_SESSION) };
    const { accessToken } = await login({ ...services, wechat }, 'warm-up');
    for (const path of SIGNED_IN_REQUESTS) await expectOk(port, path, { authorization: `Bearer ${accessToken}` });
  } finally {
    await app.close();
  }
}
