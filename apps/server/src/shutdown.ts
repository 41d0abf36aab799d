/**
 * Graceful shutdown: stop accepting connections, let in-flight requests finish, close the
 * database (the app's onClose hooks), then exit 0 — or exit 1 if that takes longer than allowed.
 */
import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  timeoutMs: number;
  exit: (code: number) => void;
}

export function createShutdown(app: FastifyInstance, { timeoutMs, exit }: ShutdownOptions) {
  let started: Promise<void> | null = null;

  return function shutdown(signal: NodeJS.Signals): Promise<void> {
    started ??= (async () => {
      app.log.info({ signal }, 'shutting down: no new connections, waiting for in-flight requests');
      // Bounded: a stuck request must not keep a deploy waiting forever.
      const forced = setTimeout(() => {
        app.log.error({ timeoutMs }, 'shutdown timed out; exiting');
        exit(1);
      }, timeoutMs);
      forced.unref();
      try {
        await app.close();
        app.log.info('stopped');
        exit(0);
      } catch (error) {
        app.log.error({ err: error }, 'error during shutdown');
        exit(1);
      } finally {
        clearTimeout(forced);
      }
    })();
    return started;
  };
}
