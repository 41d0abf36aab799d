// Runs a server command with the WeChat mock beside it, as its own process (the server never
// carries the mock: it is a dev-only package). `npm run dev` and `npm start` use it.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, parseEnv } from 'node:util';

const USAGE = `Usage: node scripts/with-wechat-mock.mjs [--mock-port <n>|free] -- <command> [args...]

Starts the WeChat mock (packages/wechat-mock), then runs <command> with WECHAT_API_BASE_URL set to
the mock's address. Runs <command> alone when WECHAT_API_BASE_URL is already set (a real or shared
WeChat endpoint) or NODE_ENV=production. Stops both when either stops, or on Ctrl-C / SIGTERM.

WeChat Pay: unless WECHATPAY_MCHID is configured (the environment or ./.env), payment is switched
on against the mock: its dev merchant, keys and APIv3 key (GET /__dev/pay/credentials) go to
<command> as WECHATPAY_*, with the notify URL at http://HOST:PORT/webhooks/wechatpay.

  --mock-port <n>    the mock's port (default WECHAT_MOCK_PORT, else 3001: the H5 dev build's)
  --mock-port free   any free port (npm start: runs beside a dev stack without colliding)`;

const split = process.argv.indexOf('--');
const { values } = parseArgs({
  args: process.argv.slice(2, split < 0 ? undefined : split),
  options: { 'mock-port': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
});
const command = split < 0 ? [] : process.argv.slice(split + 1);
if (values.help || command.length === 0) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}

const env = process.env;
/**
 * What the server will see: ./.env (the server loads it itself, start.ts) under the real
 * environment. Decisions here follow it, so a developer's .env is never overridden.
 */
const configured = { ...(existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {}), ...env };
const say = (line) => process.stderr.write(`[with-wechat-mock] ${line}\n`);

function run(argv, extraEnv) {
  const [program, ...args] = argv;
  return spawn(program, args, { stdio: 'inherit', env: { ...env, ...extraEnv } });
}

/** Starts the mock; resolves with its URL once it says it listens, rejects with its complaint. */
function startMock(port) {
  const cli = fileURLToPath(import.meta.resolve('@app/wechat-mock/cli'));
  // tsx as this script finds it, not as the working folder would (a stack started from elsewhere).
  const mock = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), cli, '--port', port], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: configured,
  });
  let said = '';
  const url = new Promise((resolve, reject) => {
    mock.stdout.on('data', (chunk) => {
      said += chunk;
      const match = /WeChat mock listening at (\S+)/.exec(said);
      if (match) resolve(match[1]);
    });
    mock.stderr.on('data', (chunk) => (said += chunk));
    mock.once('exit', (code) => reject(new Error(said.trim() || `the WeChat mock exited with ${code}`)));
  });
  return { mock, url };
}

function forwardSignals(child) {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}

/** Where the server listens, as a URL host the mock can call (a wildcard address is local). */
function serverOrigin() {
  const host = configured.HOST || '127.0.0.1';
  const port = configured.PORT || '3000';
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}`;
}

/**
 * The WECHATPAY_* variables that make the server pay through the mock (dev only: the mock refuses
 * NODE_ENV=production, and this branch never runs there). None when the developer configured a
 * merchant, or when the server's port is not known in advance (PORT=0).
 */
async function payEnvironment(mockUrl) {
  if (configured.WECHATPAY_MCHID) {
    say('WECHATPAY_MCHID is configured: payment uses it, not the mock');
    return {};
  }
  if (configured.PORT === '0') {
    say('PORT=0: the notify URL cannot be known, so payment stays off (set PORT to pay through the mock)');
    return {};
  }
  const notifyUrl = `${serverOrigin()}/webhooks/wechatpay`;
  // Imported here, not at the top: only a dev stack pays through the mock (a dev dependency).
  const { payEnvironmentFor } = await import('@app/wechat-mock/pay-environment');
  const environment = await payEnvironmentFor(mockUrl, notifyUrl);
  say(`WeChat Pay through the mock: merchant ${environment.WECHATPAY_MCHID}, notifications to ${notifyUrl}`);
  return environment;
}

if (configured.WECHAT_API_BASE_URL || configured.NODE_ENV === 'production') {
  const server = run(command, {});
  forwardSignals(server);
  server.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const port = values['mock-port'] === 'free' ? '0' : (values['mock-port'] ?? (configured.WECHAT_MOCK_PORT || '3001'));
  const { mock, url } = startMock(port);
  let address;
  try {
    address = await url;
  } catch (error) {
    say(`could not start the WeChat mock: ${error.message}`);
    process.exit(1);
  }
  say(`WeChat mock at ${address} (dev login codes: POST ${address}/__dev/login-code {"user":"alice"})`);
  let pay;
  try {
    pay = await payEnvironment(address);
  } catch (error) {
    say(`could not read the mock's WeChat Pay credentials: ${error.message}`);
    mock.kill('SIGTERM');
    process.exit(1);
  }
  const server = run(command, { WECHAT_API_BASE_URL: address, ...pay });
  forwardSignals(server);
  mock.stdout.pipe(process.stdout);
  mock.stderr.pipe(process.stderr);
  mock.once('exit', (code) => {
    if (server.exitCode === null) {
      say(`the WeChat mock stopped (${code}); stopping the server`);
      server.kill('SIGTERM');
    }
  });
  server.once('exit', (code, signal) => {
    mock.kill('SIGTERM');
    process.exit(code ?? (signal ? 1 : 0));
  });
}
