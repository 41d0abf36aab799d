// `node build/pack.mjs --out <dir>` (after `npm run build`), from apps/server: the server as one
// self-contained folder to ship, what the container image and the SCF package are made of:
//   <dir>/dist/            the bundle, the migration CLI, node-flags (build/bundle.mjs) and the
//                          compile cache (build/warm-compile-cache.mjs)
//   <dir>/node_modules/    only what the bundle leaves out (esbuild-options.mjs: the drivers and
//                          Fastify's schema compilers) and what those need, copied from this
//                          install, so the versions are the lockfile's; dev dependencies never
//   <dir>/package.json     name, version, "type": "module", the engines, and what is in node_modules
// Nothing is downloaded: the folder runs wherever a Node.js of the same release does.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { serverBundleOptions } from './esbuild-options.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help || !values.out) {
  console.log('Usage: node build/pack.mjs --out <dir>   (from apps/server, after npm run build)');
  process.exit(values.help ? 0 : 1);
}
const serverDir = resolve(import.meta.dirname, '..');
const out = resolve(values.out);
if (!existsSync(join(serverDir, 'dist/main.mjs'))) {
  console.error('apps/server/dist is missing: run `npm run build --workspace @app/server` first.');
  process.exit(1);
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The folder of `name` as Node resolves it from `fromDir` (a package's own folder or the server's). */
function packageDir(name, fromDir) {
  const require = createRequire(join(fromDir, 'noop.js'));
  for (const base of require.resolve.paths(name) ?? []) {
    const candidate = join(base, name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  return null;
}

/**
 * Copies `name` (resolved from `fromDir`) into `targetModules`, then its dependencies: where the
 * same version already sits at the top it is shared, a different version nests under its user.
 */
const placed = new Map(); // name -> version at the top of out/node_modules
function copyPackage(name, fromDir, targetModules, optional) {
  const source = packageDir(name, fromDir);
  if (!source) {
    if (optional) return;
    throw new Error(`${name} (needed from ${fromDir}) is not installed: run npm ci`);
  }
  const manifest = readJson(join(source, 'package.json'));
  const top = join(out, 'node_modules');
  let target;
  if (placed.get(name) === manifest.version) return;
  if (!placed.has(name)) {
    placed.set(name, manifest.version);
    target = join(top, name);
  } else {
    target = join(targetModules, name);
    if (existsSync(target)) return;
  }
  // The package without its own node_modules (its dependencies are placed by this walk) and
  // without what a runtime never reads.
  cpSync(source, target, {
    recursive: true,
    dereference: true,
    filter: (path) => {
      const relative = path.slice(source.length);
      if (/^[/\\]node_modules([/\\]|$)/.test(relative)) return false;
      // A package's own tests, examples and benchmarks: bintrees (prom-client's) ships 2.3 MB of
      // test samples, fast-json-stringify and fast-uri most of a megabyte more.
      if (/^[/\\](test|tests|__tests__|examples?|benchmarks?)([/\\]|$)/.test(relative)) return false;
      return /license/i.test(relative) || !/(\.d\.[cm]?ts|\.ts|\.map|\.md)$/i.test(relative);
    },
  });
  const dependencies = { ...manifest.dependencies };
  for (const dependency of Object.keys(dependencies)) copyPackage(dependency, source, join(target, 'node_modules'), false);
  // Optional ones and peers, when installed: the OpenTelemetry SDK's packages need the API as a
  // peer. Never type packages (mysql2 names @types/node as a peer).
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((name) => !name.startsWith('@types/'));
  for (const dependency of [...Object.keys(manifest.optionalDependencies ?? {}), ...peers]) {
    copyPackage(dependency, source, join(target, 'node_modules'), true);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(serverDir, 'dist'), join(out, 'dist'), { recursive: true });
for (const external of serverBundleOptions.external) copyPackage(external, serverDir, join(out, 'node_modules'), false);

const server = readJson(join(serverDir, 'package.json'));
const root = readJson(join(serverDir, '../../package.json'));
const dependencies = Object.fromEntries(serverBundleOptions.external.map((name) => [name, placed.get(name)]));
writeFileSync(
  join(out, 'package.json'),
  `${JSON.stringify({ name: server.name, version: server.version, private: true, type: 'module', engines: root.engines, dependencies }, null, 2)}\n`,
);

const bytesIn = (dir) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
console.log(
  `packed ${out}: dist ${(bytesIn(join(out, 'dist')) / 1024).toFixed(0)} KiB, ` +
    `node_modules ${(bytesIn(join(out, 'node_modules')) / 1024).toFixed(0)} KiB (${placed.size} packages)`,
);
