// The esbuild options of the server's bundles: the production server (bundle.mjs), its CLIs and the
// benchmarks' server (bench/build-server.mjs), so all are built alike.
import { builtinModules } from 'node:module';

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
 * The MySQL driver of the production server: bundled on its own into dist/mysql2.cjs, which the
 * server requires the first time it connects to MySQL. As one file it gets one compile cache entry
 * made after a warm-up (build/warm-compile-cache.mjs): loading mysql2 from node_modules (a hundred
 * files, each compiled on every start) took ~45 ms of the first MySQL query, the warmed bundle ~17.
 * A server on SQLite never reads it.
 */
export const MYSQL_DRIVER_FILE = 'mysql2.cjs';

const mysqlDriverFile = {
  name: 'mysql-driver-file',
  setup(build) {
    // `import('mysql2')` becomes a require of the file: a dynamic import() of a CommonJS file would
    // go through Node's ES module loader, which first scans all of it for export names.
    build.onResolve({ filter: /^mysql2$/ }, () => ({ path: 'mysql2', namespace: 'mysql-driver-file' }));
    build.onLoad({ filter: /.*/, namespace: 'mysql-driver-file' }, () => ({
      contents: `module.exports = require('./${MYSQL_DRIVER_FILE}');`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/mysql2\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * The production server, dist/server.cjs: CommonJS, because V8 can make the code cache of a
 * CommonJS module after it has run (with every function a start calls), and Node's compile cache
 * takes that cache as its own (build/warm-compile-cache.mjs); for an ES module V8 only caches what
 * it compiled before the module ran. Same code, same options otherwise.
 */
export const serverBundleOptions = {
  ...bundleOptions,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  banner: {},
  external: bundleOptions.external.filter((name) => name !== 'mysql2'),
  // Not requireBuiltins: CommonJS output requires built-ins anyway, with no ES module facade.
  plugins: [mysqlDriverFile],
  // In CommonJS import.meta is empty. Its one reader here (src/lazy-schema-compilers.ts) takes the
  // bundle's own `require` instead; without this define, that file is the only one esbuild warns
  // about (empty-import-meta), so no dependency in the bundle needs a file URL either.
  define: { 'import.meta.url': 'undefined' },
};

/** dist/mysql2.cjs (above). */
export const mysqlDriverBundleOptions = {
  ...serverBundleOptions,
  external: [],
  plugins: [],
  define: {},
  sourcemap: false,
  entryPoints: { [MYSQL_DRIVER_FILE.replace(/\.cjs$/, '')]: 'mysql2' },
};
