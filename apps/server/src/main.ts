/**
 * The server process: `tsx watch src/main.ts` in development, dist/server.cjs in production (loaded
 * by dist/main.mjs, see compile-cache-entry.ts). `--warm-up <migrated SQLite URL>` runs the start
 * path once and exits: the build uses it to fill the compile cache (build/warm-compile-cache.mjs
 * awaits `started`).
 */
import { startServer } from './start';

/** Settles once the server listens, or once the warm-up is done (its module evaluated only then). */
const warmUpAt = process.argv.indexOf('--warm-up');
export const started = warmUpAt === -1 ? startServer() : import('./warm-up').then(({ warmUp }) => warmUp(process.argv[warmUpAt + 1]));
