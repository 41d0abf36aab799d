/**
 * Starting the server: configuration, listening, graceful shutdown. Everything else is in app.ts.
 */
import type { Logger } from 'pino';
import { buildApp, type BuildAppOptions } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { loadEnvFile } from './env-file';
import { createShutdown } from './shutdown';
import { startTracingSdk } from './tracing/sdk';

function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** `options` for buildApp: the benchmarks' entry adds its reference route this way. */
export async function startServer(options: BuildAppOptions = {}): Promise<void> {
  loadEnvFile();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exitWith(error.message);
    throw error;
  }

  const app = await buildApp(config, options);
  if (config.tracing.enabled) {
    // Loaded only now (tracing/sdk.ts); its last spans are exported when the app closes.
    const tracing = await startTracingSdk(config.tracing, { logger: app.log as Logger, version: config.version });
    app.addHook('onClose', () => tracing.shutdown());
  }

  const shutdown = createShutdown(app, { timeoutMs: config.shutdownTimeoutMs, exit: (code) => process.exit(code) });
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
  process.on('unhandledRejection', (reason) => {
    app.log.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    app.log.fatal({ err: error }, 'could not start listening');
    // The likeliest cause, said plainly: a second stack on this machine (npm run dev and npm start).
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      exitWith(`${config.host}:${config.port} is already in use (another server or dev stack?). Start this one on another port: PORT=<n>.`);
    }
    process.exit(1);
  }
  app.log.info({ wechatApi: config.wechat.baseUrl, database: config.database.url.split(':', 1)[0] }, 'ready');
}

/**
 * Runs the start-up path and first requests once, without listening, so that the code a start
 * needs is compiled: build/bundle.mjs runs it (`dist/main.mjs --warm-up`, see main.ts) to fill
 * Node's compile cache next to the bundle.
 */
export async function warmUp(): Promise<void> {
  // A production configuration (the path production starts take), with throwaway secrets.
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
  const app = await buildApp(config);
  await app.ready();
  for (const url of ['/healthz', '/readyz', '/trpc/health', '/trpc/user.me']) await app.inject(url);
  await app.close();
}
