// `npm run build`: bundles the server for production (esbuild), from apps/server:
//   dist/main.mjs        the entry: turns on Node's compile cache, then loads server.cjs
//   dist/server.cjs      the server (CommonJS: esbuild-options.mjs says why)
//   dist/mysql2.cjs      the MySQL driver, required on the first connection to MySQL
//   dist/migrate.mjs     the migration CLI (migrations are imported statically)
//   dist/seed.mjs        the demo catalog loader (npm run db:seed)
//   dist/.compile-cache  Node's compiled code for this Node.js version (warm-compile-cache.mjs)
// What stays in node_modules, and why: esbuild-options.mjs.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOptions, mysqlDriverBundleOptions, serverBundleOptions } from './esbuild-options.mjs';

const started = performance.now();

rmSync('dist', { recursive: true, force: true });
await Promise.all([
  build({ ...serverBundleOptions, outdir: 'dist', entryPoints: { server: 'src/main.ts' } }),
  build({ ...mysqlDriverBundleOptions, outdir: 'dist' }),
  build({ ...bundleOptions, outdir: 'dist', entryPoints: { migrate: 'src/cli/migrate.ts', seed: 'src/cli/seed.ts' } }),
  // The entry stays a plain ES module: it must run before any of the bundle is compiled.
  build({
    ...bundleOptions,
    outdir: 'dist',
    entryPoints: { main: 'src/compile-cache-entry.ts' },
    banner: {},
    plugins: [],
    sourcemap: false,
  }),
]);

// The cache is V8's, valid for the Node.js that made it: hence made here, by the Node.js of the build.
execFileSync(process.execPath, ['build/warm-compile-cache.mjs', 'dist'], { stdio: 'inherit' });

const bytesIn = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
for (const file of ['main.mjs', 'server.cjs', 'mysql2.cjs', 'migrate.mjs']) {
  console.log(`dist/${file.padEnd(16)} ${(statSync(`dist/${file}`).size / 1024).toFixed(0)} KB`);
}
console.log(`dist/.compile-cache   ${(bytesIn('dist/.compile-cache') / 1024).toFixed(0)} KB (Node ${process.version})`);
console.log(`built in ${Math.round(performance.now() - started)} ms`);
