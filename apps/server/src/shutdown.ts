/**
 * Graceful shutdown: stop accepting connections, let in-flight requests finish, stop the background
 * work and close the database (the app's onClose hooks), then what must outlast the app, then exit 0
 * — or exit 1 if that takes longer than allowed.
 */
import type { FastifyInstance } from 'fastify';

export interface ShutdownOptions {
  timeoutMs: number;
  exit: (code: number) => void;
  /**
   * After the app has closed: the tracing SDK, whose last export must hold the spans of what the
   * onClose hooks did (the background work's last runs, their queries). As an onClose hook of its
   * own it would run first, since Fastify runs them in reverse order of registration.
   */
  afterClose?: () => Promise<void>;
}

export function createShutdown(app: FastifyInstance, { timeoutMs, exit, afterClose }: ShutdownOptions) {
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
        await afterClose?.();
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
