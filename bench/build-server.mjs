// Bundles bench/server-entry.ts into bench/out/bench-server.mjs with the production server's esbuild
// options (apps/server/build/esbuild-options.mjs): the production server plus the reference route.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { serverBundleOptions } from '../apps/server/build/esbuild-options.mjs';

export const benchServerFile = fileURLToPath(new URL('out/bench-server.mjs', import.meta.url));

export async function buildBenchServer() {
  await build({
    ...serverBundleOptions,
    entryPoints: [fileURLToPath(new URL('server-entry.ts', import.meta.url))],
    outfile: benchServerFile,
    outExtension: {},
  });
  return benchServerFile;
}
