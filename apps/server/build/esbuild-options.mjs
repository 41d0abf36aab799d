// The esbuild options of the production server bundle, shared by bundle.mjs and the benchmarks'
// server (bench/build-server.mjs), so both are built alike.
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

export const serverBundleOptions = {
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
