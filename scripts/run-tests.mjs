// `npm test`: checks the formatting (Prettier), runs every package's tests through turbo (typecheck
// and lint first), then prints one summary over all packages from the JSON reports the runners
// wrote in this run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The root package.json's workspaces ("packages/*", "apps/*", "e2e"): e2e's Vitest suites are its
// integration tests; its Playwright journeys run with npm run e2e.
const workspaceDirs = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.flatMap((pattern) => {
  if (!pattern.endsWith('/*')) return [join(root, pattern)];
  const group = join(root, pattern.slice(0, -2));
  return existsSync(group) ? readdirSync(group).map((name) => join(group, name)) : [];
});
const reportOf = (dir) => join(dir, '.test-results', 'vitest.json');

if (process.argv.includes('--help')) {
  console.log(
    'Usage: npm test [-- <extra turbo args>]\nChecks the formatting, runs typecheck, lint and the Vitest suites of every workspace; needs MariaDB and Redis (npm run setup).',
  );
  process.exit(0);
}

for (const dir of workspaceDirs) rmSync(reportOf(dir), { force: true });

const started = performance.now();
const format = spawnSync('npx', ['prettier', '--check', '--log-level', 'warn', '.'], { cwd: root, stdio: 'inherit' });
if (format.status !== 0) {
  console.error('\nFormatting differs from Prettier in the files above: run `npm run format`, then npm test again.');
  process.exit(1);
}
const turbo = spawnSync('npx', ['turbo', 'run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { TURBO_TELEMETRY_DISABLED: '1', ...process.env },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const lines = [];
for (const dir of workspaceDirs) {
  if (!existsSync(reportOf(dir))) continue;
  const report = JSON.parse(readFileSync(reportOf(dir), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
  lines.push(`  ${dir.slice(root.length).padEnd(22)} ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`\nTest summary (${seconds} s):\n${lines.join('\n')}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(turbo.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
