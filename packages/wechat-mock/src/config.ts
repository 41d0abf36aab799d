/**
 * The mock process's settings: command-line options first, then the environment (the same
 * variables the server reads, so one .env serves both), then development defaults.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run mock:wechat -- [options]

Serves the WeChat server API endpoints this project uses (jscode2session, stable_token,
getuserphonenumber, checksession, message/subscribe/send), WeChat Pay API v3 (/v3/pay/transactions/jsapi, query and
close by out-trade-no; signed answers, signed and encrypted notifications with WeChat Pay's
retry schedule) and dev controls under /__dev/ (login-code, phone-code, subscribe, subscribe-messages, faults, block, stats,
reset; pay, pay/faults, pay/release, pay/trade, pay/refund, pay/deliveries, pay/credentials). Prints "WeChat mock listening at
<url>" once it listens.

WeChat Pay: the merchant is WECHATPAY_MCHID, WECHATPAY_MERCHANT_SERIAL and WECHATPAY_APIV3_KEY
when set, else dev defaults; the platform key pair and (dev) the merchant key pair are made at
start: GET /__dev/pay/credentials gives what a dev server needs.

Options:
  --port <n>                 port to listen on; 0 = any free port (default WECHAT_MOCK_PORT, else 3001)
  --host <addr>              address to listen on (default 127.0.0.1)
  --app-id <id>              appid to accept (default WECHAT_APP_ID, else wx0000000000000000)
  --app-secret <secret>      secret to accept (default WECHAT_APP_SECRET, else the dev default)
  --bench-code-prefix <p>    load tests: accept codes "<p><user>:<nonce>" as freshly issued
  --login-limit <n>          jscode2session calls per user per minute before 45011 (default 100)
  -h, --help                 show this help

Refuses to start with NODE_ENV=production.`;

/** The server's development defaults (apps/server/src/config.ts), so the two agree out of the box. */
const DEV_APP = { appId: 'wx0000000000000000', appSecret: 'dev-only-wechat-app-secret-for-the-mock' } as const;
const DEFAULT_MOCK_PORT = 3001;

export interface MockProcessConfig {
  help: boolean;
  nodeEnv: string | undefined;
  port: number;
  host: string;
  appId: string;
  appSecret: string;
  benchCodePrefix: string | undefined;
  loginsPerUserPerMinute: number | undefined;
  pay: { mchId?: string; merchantSerialNo?: string; apiV3Key?: string };
}

function whole(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`${name}: expected a whole number, got "${value}"`);
  return number;
}

export function mockProcessConfig(argv: string[], env: Record<string, string | undefined> = process.env): MockProcessConfig {
  const { values } = parseArgs({
    args: argv,
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
  return {
    help: values.help === true,
    nodeEnv: env.NODE_ENV,
    port: whole(values.port, '--port') ?? whole(env.WECHAT_MOCK_PORT, 'WECHAT_MOCK_PORT') ?? DEFAULT_MOCK_PORT,
    host: values.host ?? '127.0.0.1',
    appId: values['app-id'] ?? (env.WECHAT_APP_ID || DEV_APP.appId),
    appSecret: values['app-secret'] ?? (env.WECHAT_APP_SECRET || DEV_APP.appSecret),
    benchCodePrefix: values['bench-code-prefix'],
    loginsPerUserPerMinute: whole(values['login-limit'], '--login-limit'),
    pay: {
      ...(env.WECHATPAY_MCHID ? { mchId: env.WECHATPAY_MCHID } : {}),
      ...(env.WECHATPAY_MERCHANT_SERIAL ? { merchantSerialNo: env.WECHATPAY_MERCHANT_SERIAL } : {}),
      ...(env.WECHATPAY_APIV3_KEY ? { apiV3Key: env.WECHATPAY_APIV3_KEY } : {}),
    },
  };
}
