// Bundles bench/server-entry.ts into bench/out/bench-server.mjs (or `outfile`) with the production
// server's esbuild options (apps/server/build/esbuild-options.mjs): the production server plus the
// reference route. `node bench/build-server.mjs <outfile>` keeps a build to compare with (bench/ab.mjs).
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverBundleOptions } from '../apps/server/build/esbuild-options.mjs';

export const benchServerFile = fileURLToPath(new URL('out/bench-server.mjs', import.meta.url));

export async function buildBenchServer(outfile = benchServerFile) {
  await build({
    ...serverBundleOptions,
    entryPoints: [fileURLToPath(new URL('server-entry.ts', import.meta.url))],
    outfile,
    outExtension: {},
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await buildBenchServer(process.argv[2] ? resolve(process.argv[2]) : undefined));
}
