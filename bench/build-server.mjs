// Bundles bench/server-entry.ts into bench/out/bench-server.mjs (or `outfile`) with the server's
// esbuild options (apps/server/build/esbuild-options.mjs; as an ES module: the production bundle is
// CommonJS only for its compile cache, which a load test never uses): the production server plus the
// reference route. `node bench/build-server.mjs <outfile>` keeps a build to compare with (bench/ab.mjs).
// `--without-tracing`: the tracing seams replaced by bench/no-tracing's stand-ins (tracing.mjs
// compares the server with tracing off against this build).
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOptions } from '../apps/server/build/esbuild-options.mjs';
import { OUT_DIR, ROOT } from './lib.mjs';

export const benchServerFile = join(OUT_DIR, 'bench-server.mjs');
export const noTracingServerFile = join(OUT_DIR, 'bench-server-no-tracing.mjs');

const STAND_IN_DIR = join(ROOT, 'bench/no-tracing');
const SERVER_TRACING = join(ROOT, 'apps/server/src/tracing');

let standInMap;
/**
 * Every stand-in, by the real module it replaces: bench/no-tracing/server-tracing's, each for the
 * module of the same name in apps/server/src/tracing, and the api-* ones for packages/api's.
 */
function standInsByPath() {
  standInMap ??= new Map([
    ...readdirSync(join(STAND_IN_DIR, 'server-tracing')).map((name) => [
      join(SERVER_TRACING, name),
      join(STAND_IN_DIR, 'server-tracing', name),
    ]),
    [join(ROOT, 'packages/api/src/tracing/client-span.ts'), join(STAND_IN_DIR, 'api-client-span.ts')],
    [join(ROOT, 'packages/api/src/db/query-spans.ts'), join(STAND_IN_DIR, 'api-query-spans.ts')],
  ]);
  return standInMap;
}

/**
 * The stand-in for a module of the real tracing seams, or null for any other file. A server tracing
 * module (not tracing-config.ts: the configuration stays) without one gets the path its stand-in
 * should have, which the build then asks for.
 */
function standInFor(path) {
  const standIn = standInsByPath().get(path);
  if (standIn !== undefined) return standIn;
  if (dirname(path) === SERVER_TRACING && basename(path) !== 'tracing-config.ts')
    return join(STAND_IN_DIR, 'server-tracing', basename(path));
  return null;
}

const withoutTracing = {
  name: 'without-tracing',
  setup(pluginBuild) {
    const replaced = new Set();
    pluginBuild.onLoad({ filter: /[\\/](tracing[\\/][^\\/]+|query-spans)\.ts$/ }, (args) => {
      const standIn = standInFor(args.path);
      if (standIn === null) return undefined;
      if (!existsSync(standIn)) throw new Error(`no stand-in for ${args.path}: add ${standIn} (bench/no-tracing/README.md)`);
      replaced.add(args.path);
      return { contents: readFileSync(standIn, 'utf8'), loader: 'ts', resolveDir: dirname(standIn) };
    });
    pluginBuild.onEnd((result) => {
      // Every stand-in used: one that replaces nothing means a real module moved, and the build still has it.
      const standIns = standInsByPath().size;
      if (result.errors.length === 0 && replaced.size !== standIns) {
        throw new Error(
          `${replaced.size} tracing modules replaced (${[...replaced].map((p) => basename(p)).join(', ')}), ${standIns} stand-ins: bench/no-tracing no longer matches the tree`,
        );
      }
    });
  },
};

export async function buildBenchServer(outfile = benchServerFile, { tracing = true } = {}) {
  await build({
    ...bundleOptions,
    entryPoints: [fileURLToPath(new URL('server-entry.ts', import.meta.url))],
    outfile,
    outExtension: {},
    plugins: [...bundleOptions.plugins, ...(tracing ? [] : [withoutTracing])],
  });
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const tracing = !process.argv.includes('--without-tracing');
  const outArg = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
  const outfile = outArg ? resolve(outArg) : tracing ? benchServerFile : noTracingServerFile;
  console.log(await buildBenchServer(outfile, { tracing }));
}
