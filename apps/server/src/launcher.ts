/**
 * The production entry (dist/server.cjs). It runs the bundled server (dist/server-app.cjs) from V8's
 * code cache when one matches this Node.js, so a cold start skips parsing and compiling the server's
 * JavaScript; without a usable cache it simply compiles as usual. CommonJS, like the bundle: Node
 * starts a CommonJS entry a few milliseconds sooner than an ES module.
 *
 *   node dist/server.cjs                      start the server
 *   node dist/server.cjs --write-code-cache   build time: warm up, then save the cache
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

interface ServerBundle {
  startServer(): Promise<void>;
  warmUp(): Promise<void>;
}

// Only ever run as the CommonJS bundle, where __dirname is the dist folder.
const bundleFile = join(__dirname, 'server-app.cjs');
const cacheFile = `${bundleFile}.cache`;

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/**
 * Built-in modules Fastify loads up front for features this server leaves off (HTTPS and HTTP/2
 * serving, DNS lookups of the listen address): handed to it as stand-ins that load the real module
 * on first use. TLS termination is the proxy's job here; with it off, they are never loaded.
 */
const DEFERRED_BUILTINS = new Set(['node:https', 'node:http2', 'node:dns']);

function deferred(load: () => object): object {
  let real: object | undefined;
  const target = () => (real ??= load());
  return new Proxy(
    {},
    {
      get: (_stub, key) => Reflect.get(target(), key),
      has: (_stub, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_stub, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

function serverRequire(): NodeJS.Require {
  const real = createRequire(bundleFile);
  const stubs = new Map<string, object>();
  const wrapped = ((id: string) => {
    if (!DEFERRED_BUILTINS.has(id)) return real(id);
    let stub = stubs.get(id);
    if (!stub) stubs.set(id, (stub = deferred(() => real(id) as object)));
    return stub;
  }) as NodeJS.Require;
  return Object.assign(wrapped, { resolve: real.resolve, cache: real.cache, main: real.main, extensions: real.extensions });
}

function load(): { bundle: ServerBundle; script: Script } {
  // The bundle is already the CommonJS wrapper function, as Node's own loader would make it.
  const script = new Script(readFileSync(bundleFile, 'utf8'), {
    filename: bundleFile,
    cachedData: readCache(),
  });
  const module = { exports: {} as ServerBundle };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, serverRequire(), module, bundleFile, __dirname);
  return { bundle: module.exports, script };
}

async function main(): Promise<void> {
  const { bundle, script } = load();
  if (!process.argv.includes('--write-code-cache')) return bundle.startServer();
  await bundle.warmUp();
  writeFileSync(cacheFile, script.createCachedData());
  process.stdout.write(`code cache written: ${cacheFile}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
