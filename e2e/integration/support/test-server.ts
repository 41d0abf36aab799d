/**
 * The real server (buildApp, as the server's main runs it) on a loopback port, with a migrated
 * database, the WeChat mock as its own server, and a clock the test can move. `network` lets a
 * test slow the server down or answer like a broken gateway, at the socket, before the app sees
 * the request.
 */
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { buildApp, loadConfig } from '@app/server';
import { LogCapture } from '@app/test-support';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';

const APP = { appId: 'wx0123456789abcd00', appSecret: 'miniprogram-link-test-secret-0123456789' };

export interface NetworkBehaviour {
  /** Added before the server handles each request. */
  delayMs: number;
  /** The next n requests get a gateway's HTML 502 page. */
  gatewayErrors: number;
}

export interface TestServer {
  url: string;
  app: FastifyInstance;
  mock: RunningWeChatMock;
  logs: LogCapture;
  network: NetworkBehaviour;
  clock: { now(): Date; advance(ms: number): void };
  /** A fresh login code for a WeChat test user, as wx.login would give. */
  loginCode(user?: string): string;
  close(): Promise<void>;
}

export async function startTestServer(variables: Record<string, string> = {}): Promise<TestServer> {
  const mock = await startWeChatMock(APP);
  const db: Kysely<Database> = createDatabase({ url: 'sqlite::memory:' });
  await migrateToLatest(db);
  let now = Date.now();
  const clock = { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
  const logs = new LogCapture();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: 'sqlite::memory:',
    WECHAT_API_BASE_URL: mock.url,
    WECHAT_APP_ID: APP.appId,
    WECHAT_APP_SECRET: APP.appSecret,
    ...variables,
  });
  const app = await buildApp(config, { db, clock, logStream: logs });
  const network: NetworkBehaviour = { delayMs: 0, gatewayErrors: 0 };
  app.addHook('onRequest', async (_request, reply) => {
    if (network.gatewayErrors > 0) {
      network.gatewayErrors -= 1;
      return reply.status(502).header('content-type', 'text/html').send('<html><body>502 Bad Gateway</body></html>');
    }
    if (network.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, network.delayMs));
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    mock,
    logs,
    network,
    clock,
    loginCode: (user = 'link-user') => mock.world.issueLoginCode(user),
    async close() {
      await app.close();
      await db.destroy();
      await mock.close();
    },
  };
}
