// Bundles the server for production:
//   dist/server-app.cjs        the server (CommonJS, so V8's code cache can be used for it)
//   dist/server-app.cjs.cache  V8's compiled code after a warm-up start, made here with this Node.js
//   dist/server.cjs            the launcher: runs server-app.cjs from the cache (see src/launcher.ts)
//   dist/migrate.mjs, dist/wechat-mock.mjs   the CLIs (migrations are imported statically)
// better-sqlite3 stays external (a native addon), and the server leaves mysql2 and ioredis to
// node_modules too, loaded only when configured.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';

const started = performance.now();
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  // No keepNames: it wraps every function created at run time (closures per request included)
  // in a defineProperty call, 5 % of a request's CPU. Stack traces come through the source map.
  sourcemap: 'linked',
  legalComments: 'none',
  external: ['better-sqlite3'],
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { 'server-app': 'src/start.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    // Drivers load from node_modules when configured (see createDatabase, buildApp), not with the
    // server: a start on SQLite without Redis parses none of mysql2's or ioredis's code.
    // Fastify's schema compilers likewise, until a route with a schema needs them (lazy-schema-compilers.ts).
    external: ['better-sqlite3', 'mysql2', 'ioredis', '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
    // import() becomes require(): code run from V8's code cache has no dynamic-import hook.
    supported: { 'dynamic-import': false },
    // lazy-schema-compilers.ts reads import.meta.url only when run as ESM source.
    logOverride: { 'empty-import-meta': 'silent' },
    // The file is the CommonJS wrapper function itself, which the launcher compiles as is (no
    // copy of a megabyte of source to wrap it at every start). It is not loadable by require().
    banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
    footer: { js: '})' },
  }),
  build({ ...common, entryPoints: { server: 'src/launcher.ts' }, outdir: 'dist', outExtension: { '.js': '.cjs' }, format: 'cjs' }),
  build({
    ...common,
    entryPoints: { migrate: 'src/cli/migrate.ts', 'wechat-mock': 'src/cli/wechat-mock.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    format: 'esm',
    // CommonJS dependencies inside an ESM bundle still call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  }),
]);

// The cache is V8's: valid for this Node.js version, which is why it is made at build time.
execFileSync(process.execPath, ['dist/server.cjs', '--write-code-cache'], { stdio: ['ignore', 'ignore', 'inherit'] });

for (const file of ['server.cjs', 'server-app.cjs', 'server-app.cjs.cache', 'migrate.mjs', 'wechat-mock.mjs']) {
  console.log(`dist/${file.padEnd(22)} ${(statSync(`dist/${file}`).size / 1024).toFixed(0)} KB`);
}
console.log(`built in ${Math.round(performance.now() - started)} ms`);
