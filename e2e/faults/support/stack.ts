/**
 * One scenario's world: a temporary folder, a private MariaDB (and Redis when asked), the WeChat
 * mock in this process (so a scenario sets its faults directly), and bundled servers configured
 * against them. `close()` stops everything it started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import superjson from 'superjson';
import { appCodeOf, type Answer } from './load';
import { PrivateMariaDb, PrivateRedis } from './private-services';
import { ServerProcess } from './server-process';

const WECHAT_APP = { appId: 'wx0fa01750fa017500', appSecret: 'faults-wechat-app-secret-0123456789abcd' };

export interface Stack {
  db: PrivateMariaDb;
  redis: PrivateRedis | null;
  mock: RunningWeChatMock;
  /** A bundled server on this stack, with these variables on top of the stack's. */
  server(env?: Record<string, string>): Promise<ServerProcess>;
  close(): Promise<void>;
}

export async function startStack(options: { redis?: boolean } = {}): Promise<Stack> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faults-'));
  const db = await PrivateMariaDb.create(path.join(dir, 'mariadb'));
  const redis = options.redis ? await PrivateRedis.create() : null;
  const mock = await startWeChatMock({ ...WECHAT_APP, loginsPerUserPerMinute: 1_000_000 });
  const servers: ServerProcess[] = [];
  return {
    db,
    redis,
    mock,
    async server(env = {}) {
      const server = await ServerProcess.start({
        DATABASE_URL: db.url,
        ...(redis ? { REDIS_URL: redis.url } : {}),
        WECHAT_API_BASE_URL: mock.url,
        WECHAT_APP_ID: WECHAT_APP.appId,
        WECHAT_APP_SECRET: WECHAT_APP.appSecret,
        UPLOAD_DIR: path.join(dir, 'uploads'),
        ...env,
      });
      servers.push(server);
      return server;
    },
    async close() {
      await Promise.all(servers.map((server) => server.stop()));
      await mock.close();
      await redis?.stop();
      await db.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A tRPC call (single, superjson) to a server: its status, app code, and data when it succeeded. */
export async function call(
  server: { url: string },
  procedure: string,
  options: { input?: unknown; token?: string; headers?: Record<string, string>; mutation?: boolean } = {},
): Promise<Answer & { data?: unknown }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const mutation = options.mutation ?? options.input !== undefined;
  const response = await fetch(`${server.url}/trpc/${procedure}`, {
    method: mutation ? 'POST' : 'GET',
    headers: mutation ? { ...headers, 'content-type': 'application/json' } : headers,
    ...(mutation ? { body: JSON.stringify(superjson.serialize(options.input)) } : {}),
  });
  const body: unknown = await response.json().catch(() => undefined);
  const code = appCodeOf(response.status, body);
  const data = code === 'ok' ? superjson.deserialize((body as { result: { data: never } }).result.data) : undefined;
  return { status: response.status, code, data };
}

/** What a server's /readyz says of its Redis ('up' or 'down'; absent without Redis). */
export async function redisStateOf(server: { url: string }): Promise<string | undefined> {
  return ((await (await fetch(`${server.url}/readyz`)).json()) as { redis?: string }).redis;
}

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  /** The session id, from the access token's `sid` claim. */
  sessionId: string;
}

export function sessionOf(data: unknown): SignedIn {
  const { accessToken, refreshToken } = data as { accessToken: string; refreshToken: string };
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sid: string };
  return { accessToken, refreshToken, sessionId: claims.sid };
}

/** Signs a new WeChat user in; throws unless it worked. */
export async function signIn(server: { url: string }, mock: RunningWeChatMock, user: string): Promise<SignedIn> {
  const answer = await call(server, 'auth.login', { input: { code: mock.world.issueLoginCode(user) } });
  if (answer.code !== 'ok') throw new Error(`sign-in failed: ${answer.status} ${answer.code}`);
  return sessionOf(answer.data);
}
