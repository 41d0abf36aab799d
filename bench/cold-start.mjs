// Cold start: spawn → first /healthz 200, bundled server vs a bare node:http server, alternating
// rounds on this machine, medians compared as a ratio. Usage: node bench/cold-start.mjs [--rounds N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldStart, median, productionEnv } from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log('Usage: node bench/cold-start.mjs [--rounds N]   (needs npm run build first)');
  process.exit(0);
}
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 7;
const root = fileURLToPath(new URL('..', import.meta.url));
const serverDir = join(root, 'apps/server');
const dataDir = mkdtempSync(join(tmpdir(), 'bench-cold-'));

try {
  const env = productionEnv({ DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}` });
  const bundled = [];
  const bare = [];
  for (let round = 1; round <= rounds; round += 1) {
    bare.push(await coldStart([join(root, 'bench/bare-http-server.mjs')], { cwd: root }));
    bundled.push(await coldStart(['dist/server.cjs'], { cwd: serverDir, env }));
    process.stderr.write(`\rround ${round}/${rounds}: bare ${bare.at(-1).toFixed(1)} ms, bundled ${bundled.at(-1).toFixed(1)} ms   `);
  }
  process.stderr.write('\n');
  const result = { rounds, bareMs: median(bare), bundledMs: median(bundled) };
  result.ratio = result.bundledMs / result.bareMs;
  console.log(JSON.stringify(result));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
