/**
 * The WeChat API mock as its own process: `npm run mock:wechat -- [options]`.
 * Refuses to start with NODE_ENV=production.
 */
import { parseArgs } from 'node:util';
import { assertMockAllowed, startWeChatMock } from '@app/api/wechat/mock';
import { loadEnvFile } from '../env-file';

const USAGE = `Usage: npm run mock:wechat -- [options]

Serves the WeChat server API endpoints this project uses (jscode2session, stable_token,
getuserphonenumber, checksession) and dev controls under /__dev/ (login-code, phone-code,
faults, block, stats, reset).

Options:
  --port <n>                 port to listen on (default 3001, or WECHAT_MOCK_PORT)
  --host <addr>              address to listen on (default 127.0.0.1)
  --app-id <id>              appid to accept (default WECHAT_APP_ID, else wx0000000000000000)
  --app-secret <secret>      secret to accept (default WECHAT_APP_SECRET, else the dev default)
  --bench-code-prefix <p>    load tests: accept codes "<p><user>:<nonce>" as freshly issued
  --login-limit <n>          jscode2session calls per user per minute before 45011 (default 100)
  -h, --help                 show this help`;

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'app-id': { type: 'string' },
    'app-secret': { type: 'string' },
    'bench-code-prefix': { type: 'string' },
    'login-limit': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

loadEnvFile();
try {
  assertMockAllowed();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}

const mock = await startWeChatMock({
  port: Number(values.port ?? process.env.WECHAT_MOCK_PORT ?? 3001),
  host: values.host ?? '127.0.0.1',
  appId: values['app-id'] ?? process.env.WECHAT_APP_ID ?? 'wx0000000000000000',
  appSecret: values['app-secret'] ?? process.env.WECHAT_APP_SECRET ?? 'dev-only-wechat-app-secret-for-the-mock',
  benchCodePrefix: values['bench-code-prefix'],
  loginsPerUserPerMinute: values['login-limit'] ? Number(values['login-limit']) : undefined,
});
process.stdout.write(`WeChat mock listening at ${mock.url}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void mock.close().then(() => process.exit(0));
  });
}
