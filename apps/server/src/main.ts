/**
 * The server process: `tsx watch src/main.ts` in development, dist/server.mjs in production (loaded
 * by dist/main.mjs, see compile-cache-entry.ts). `--warm-up` runs the start path once and exits:
 * the build uses it to fill the compile cache.
 */
import { startServer, warmUp } from './start';

if (process.argv.includes('--warm-up')) await warmUp();
else await startServer();
