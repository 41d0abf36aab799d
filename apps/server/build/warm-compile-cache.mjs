// `node build/warm-compile-cache.mjs <dist>`: makes <dist>/.compile-cache, Node's compile cache for
// the server's bundles (server.cjs; mysql2.cjs, the driver it loads on its first MySQL connection;
// undici.cjs, the HTTP client it loads on its first exchange with WeChat), hold the code of every
// function a start runs. Run by `npm run build`, and by the
// container image and the SCF package with the Node.js (and, for the image, the user) that will run
// the server: the cache is only valid for the release that made it, and Node keeps it per user id.
//
// Why not simply start the server once with the cache on: Node writes a module's cache right after
// compiling it, when V8 has compiled only the module's top level; the functions a start calls
// (Fastify's set-up, the routes, the first requests) are compiled lazily afterwards and were compiled
// again by every start. V8 can make the cache of a CommonJS module after it ran, though: compile the
// same source again in the same process and V8 hands back the functions it already compiled. So:
//   0. a scratch SQLite database is migrated (dist/migrate.mjs: the migrations stay out of the
//      server's bundle) for the warm-up to sign in to;
//   1. a start with Node's compile cache on (`main.mjs --warm-up <database>`) makes Node's own cache
//      files for the bundles, which say where Node looks for them and how they are labelled;
//   2. here, server.cjs is compiled as Node's CommonJS loader compiles a module, and so is every
//      bundle of dist/ it requires; its warm-up runs (src/warm-up.ts); then each is compiled again,
//      this time asking V8 for the code cache;
//   3. each cache replaces the contents of Node's file (same label, new size and checksum);
//   4. a last start checks that Node accepts them; where it does not (a Node.js whose cache file
//      format has changed), Node's own cache from step 1 is put back and the build says so.
// At run time nothing here is involved: dist/main.mjs turns on Node's compile cache, and Node reads
// the files.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import vm from 'node:vm';
import { crc32 } from 'node:zlib';
import { acceptedIn, CACHE_HASH, CACHE_SIZE, cacheFileFor, COMMONJS_PARAMETERS, HEADER_BYTES } from './compile-cache-file.mjs';
import { productionStartEnv, readNodeFlags } from './node-flags.mjs';

const distArg = process.argv[2];
if (!distArg || distArg === '--help') {
  console.log('Usage: node build/warm-compile-cache.mjs <dist directory>   (after the bundle is built)');
  process.exit(distArg ? 0 : 1);
}
const dist = resolve(distArg);
const bundle = join(dist, 'server.cjs');
const cacheDir = join(dist, '.compile-cache');

// What would send a child's cache elsewhere, or make V8 compile differently from a plain start.
const { NODE_COMPILE_CACHE, NODE_DISABLE_COMPILE_CACHE, NODE_OPTIONS, ...plainEnv } = process.env;
const WARM_UP_DEADLINE_MS = 120_000;

const scratch = mkdtempSync(join(tmpdir(), 'warm-up-'));
const databaseUrl = `sqlite:${join(scratch, 'warm-up.sqlite')}`;
process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));

// The flags and variables production starts use (dist/node-flags and dist/glibc-tunables, from
// node-flags.mjs): the acceptance check must see the cache as those starts will.
const nodeFlags = readNodeFlags(dist);
const startEnv = productionStartEnv(dist, plainEnv);

/** `node <production flags> <dist>/<script> ...args` with the plain environment and the production start's variables; its stderr. */
function run(script, args, env = {}) {
  const child = spawnSync(process.execPath, [...nodeFlags, join(dist, script), ...args], {
    env: { ...plainEnv, ...startEnv, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: WARM_UP_DEADLINE_MS,
  });
  if (child.status !== 0) throw new Error(`${script} failed (${child.error?.message ?? `exit ${child.status}`}):\n${child.stderr}`);
  return child.stderr;
}

/** A warm-up start of the built server, as `node dist/main.mjs` runs (its compile cache on); its stderr. */
const startWithCache = (env) => run('main.mjs', ['--warm-up', databaseUrl], env);

/**
 * Runs the server's warm-up in this process, each bundle of dist/ compiled as Node's CommonJS loader
 * would; then V8's cache of each, with what the warm-up compiled. Bundle path -> cache.
 */
async function cachesAfterWarmUp() {
  const compile = (file, text, produceCachedData) =>
    vm.compileFunction(text, COMMONJS_PARAMETERS, {
      filename: file,
      produceCachedData,
      // The same constant for both compiles: V8 hands back its compiled functions only to an
      // identical compile. Needed for the server's import() of node:sqlite.
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
  const loaded = new Map(); // path -> { text, module }
  function load(file) {
    const known = loaded.get(file);
    if (known) return known.module.exports;
    const text = readFileSync(file, 'utf8');
    const module = { exports: {}, filename: file, id: file, loaded: false, children: [], paths: [] };
    loaded.set(file, { text, module });
    const nodeRequire = createRequire(file);
    // A bundle's require of another bundle of dist/ goes through here too; anything else is Node's.
    const require = Object.assign((id) => {
      const path = id.startsWith('.') ? resolve(dirname(file), id) : null;
      return path && dirname(path) === dist && path.endsWith('.cjs') ? load(path) : nodeRequire(id);
    }, nodeRequire);
    compile(file, text, false).call(module.exports, module.exports, require, module, file, dirname(file));
    module.loaded = true;
    return module.exports;
  }
  process.argv.push('--warm-up', databaseUrl);
  let deadline;
  await Promise.race([
    load(bundle).started,
    new Promise((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`the warm-up took over ${WARM_UP_DEADLINE_MS / 1000} s`)), WARM_UP_DEADLINE_MS);
    }),
  ]);
  clearTimeout(deadline);
  return new Map([...loaded].map(([file, { text }]) => [file, compile(file, text, true).cachedData]));
}

// The one experimental API used here (vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER, experimental in
// Node 22 and 24) is used knowingly, and step 4 checks the outcome: its warning would be noise.
const [printWarning] = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!(warning.name === 'ExperimentalWarning' && warning.message.includes('USE_MAIN_CONTEXT_DEFAULT_LOADER'))) printWarning?.(warning);
});

const started = performance.now();
// Emptied, not removed: the container image gives the server's user this folder, not dist/.
for (const entry of existsSync(cacheDir) ? readdirSync(cacheDir) : []) rmSync(join(cacheDir, entry), { recursive: true, force: true });
// Not as production (as in the image): the CLI would ask for the server's secrets, which a scratch
// database does not need.
run('migrate.mjs', ['up'], { DATABASE_URL: databaseUrl, NODE_ENV: 'development' });
startWithCache();
const caches = await cachesAfterWarmUp();
const outcomes = new Map(); // bundle path -> what its cache became
const fallbacks = [];
const nodeOwn = new Map(); // bundle path -> Node's file and its own contents, put back if ours is refused
for (const [file, cache] of caches) {
  const name = basename(file);
  const nodeFile = cacheFileFor(cacheDir, readFileSync(file));
  if (!nodeFile) {
    fallbacks.push(`${name}: Node's cache file not recognised (another cache format?), Node's own kept`);
    continue;
  }
  const own = Buffer.concat([nodeFile.header, nodeFile.cache]);
  nodeOwn.set(file, { path: nodeFile.path, own });
  const header = nodeFile.header;
  header.writeUInt32LE(cache.length, CACHE_SIZE);
  header.writeUInt32LE(crc32(cache), CACHE_HASH);
  writeFileSync(nodeFile.path, Buffer.concat([header, cache]));
  outcomes.set(file, `${name} ${kb(own.length)} -> ${kb(cache.length + HEADER_BYTES)}`);
}
let log;
try {
  // With the production flags: a V8 that counted one of them in the hash a code cache must match
  // would refuse the warmed cache here (and the build would say so below).
  log = startWithCache({ NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
} catch (error) {
  for (const { path, own } of nodeOwn.values()) writeFileSync(path, own);
  throw error;
}
for (const [file, { path, own }] of nodeOwn) {
  if (!acceptedIn(log, file)) {
    writeFileSync(path, own);
    outcomes.delete(file);
    fallbacks.push(`${basename(file)}: Node ${process.version} did not accept the warmed cache, Node's own kept`);
  }
}
console.log(
  `compile cache (Node ${process.version}): ${[...outcomes.values()].join('; ') || "Node's own"}; in ${Math.round(performance.now() - started)} ms`,
);
// Not fatal (the server starts either way, compiling what the cache lacks), but never quiet.
for (const fallback of fallbacks) console.error(`WARNING: compile cache: ${fallback}; starts will be slower`);
// The warm-up's server is closed, but whatever it left behind must not keep the build waiting.
process.exit(0);

function kb(bytes) {
  return `${Math.round(bytes / 1024)} KB`;
}
