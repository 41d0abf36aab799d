/**
 * The WeChat mock as its own process (dev and tests only): `npm run mock:wechat -- --help`.
 * `npm run dev` and `npm start` start it beside the server (apps/server/scripts/with-wechat-mock.mjs).
 */
import { assertMockAllowed, startWeChatMock } from './server';
import { mockProcessConfig, USAGE } from './config';

function fail(message: string): never {
  process.stderr.write(`wechat-mock: ${message}\n`);
  process.exit(1);
}

let config;
try {
  config = mockProcessConfig(process.argv.slice(2));
  assertMockAllowed(config.nodeEnv);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
if (config.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const mock = await startWeChatMock(config).catch((error: unknown) => {
  if ((error as { code?: unknown }).code === 'EADDRINUSE') {
    fail(
      `${config.host}:${config.port} is already in use (another dev stack?). Choose another port: WECHAT_MOCK_PORT=<n> or --port <n> (0 = any free port).`,
    );
  }
  throw error;
});
process.stdout.write(`WeChat mock listening at ${mock.url}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void mock.close().then(() => process.exit(0));
  });
}
