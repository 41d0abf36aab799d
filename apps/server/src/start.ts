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
  // Loaded only now (tracing/sdk.ts); its last spans are exported once the app has closed.
  const tracing = config.tracing.enabled
    ? await startTracingSdk(config.tracing, { logger: app.log as Logger, version: config.version })
    : undefined;

  const shutdown = createShutdown(app, {
    timeoutMs: config.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
    ...(tracing ? { afterClose: () => tracing.shutdown() } : {}),
  });
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
