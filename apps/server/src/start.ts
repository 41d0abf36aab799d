/**
 * Starting the server, and warming it up for the code cache. main.ts runs startServer() in
 * development; the production bundle exports both to its launcher (launcher.ts).
 */
import { buildApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { loadEnvFile } from './env-file';
import { createShutdown } from './shutdown';

/** Load config, listen, and shut down gracefully. Everything else is in app.ts. */
export async function startServer(): Promise<void> {
  loadEnvFile();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = await buildApp(config);

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
    process.exit(1);
  }
}

/**
 * Runs the start-up path and a first request once, without listening, so that V8 has compiled
 * what a start needs: the launcher then saves that compiled code next to the bundle.
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
