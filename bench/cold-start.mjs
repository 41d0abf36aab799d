// Cold start: spawn → first /healthz 200, the bundled server (as `npm start` runs it: node
// dist/main.mjs with its compile cache, SQLite, NODE_ENV=production) vs a bare node:http server, alternating rounds on
// this machine, medians compared as a ratio. Writes bench/out/cold-start.json.
// Usage: node bench/cold-start.mjs [--rounds N]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldStart, median, productionEnv } from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log('Usage: node bench/cold-start.mjs [--rounds N]   (needs npm run build first)');
  process.exit(0);
}
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 15;
const root = fileURLToPath(new URL('..', import.meta.url));
const serverDir = join(root, 'apps/server');
const dataDir = mkdtempSync(join(tmpdir(), 'bench-cold-'));

try {
  const env = productionEnv({ DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}` });
  const bundled = [];
  const bare = [];
  for (let round = 1; round <= rounds; round += 1) {
    bare.push(await coldStart([join(root, 'bench/bare-http-server.mjs')], { cwd: root }));
    bundled.push(await coldStart(['dist/main.mjs'], { cwd: serverDir, env }));
    process.stderr.write(`\rround ${round}/${rounds}: bare ${bare.at(-1).toFixed(1)} ms, bundled ${bundled.at(-1).toFixed(1)} ms   `);
  }
  process.stderr.write('\n');
  const result = { rounds, bareMs: median(bare), bundledMs: median(bundled) };
  result.ratio = result.bundledMs / result.bareMs;
  mkdirSync(join(root, 'bench/out'), { recursive: true });
  writeFileSync(join(root, 'bench/out/cold-start.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `cold start, median of ${rounds} alternating rounds: bare node:http ${result.bareMs.toFixed(0)} ms, bundled server ${result.bundledMs.toFixed(0)} ms (${result.ratio.toFixed(2)}×)`,
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
