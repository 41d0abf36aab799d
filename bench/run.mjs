// `npm run bench`: builds the server, then runs every benchmark in turn (each prints its table).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const steps = [
  ['npm', ['run', 'build']],
  [process.execPath, ['bench/cold-start.mjs']],
  [process.execPath, ['bench/login-load.mjs']],
];
for (const [command, args] of steps) {
  console.log(`\n==> ${[command === process.execPath ? 'node' : command, ...args].join(' ')}`);
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) process.exit(status ?? 1);
}
