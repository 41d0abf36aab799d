// Page faults of a start, and what glibc's allocator settings (dist/glibc-tunables) do to them: spawn
// → first /healthz 200 (SQLite, production mode) of the bare node:http servers and of the bundled
// server, each with glibc's defaults and with the build's GLIBC_TUNABLES, alternating; medians of
// the time and of the process's minor page faults at its first 200 (/proc/<pid>/stat). Also the
// cost of one fault here: touching fresh memory a page at a time. A diagnostic for the cold start
// (bench/README.md, "What keeps the cold start short"); writes bench/out/start-faults.json.
// Usage: node bench/start-faults.mjs [--rounds 15]   (after npm run build)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coldStart,
  median,
  minorFaults,
  numberArg,
  pristineCompileCache,
  productionEnv,
  productionStart,
  ROOT,
  SERVER_DIR,
  writeOutput,
} from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log('Usage: node bench/start-faults.mjs [--rounds 15]   (needs npm run build first)');
  process.exit(0);
}
const rounds = numberArg('rounds', 15);
const dist = join(SERVER_DIR, 'dist');
const production = productionStart(dist);
const tunables = production.env.GLIBC_TUNABLES;
if (!tunables) {
  console.error(
    'no GLIBC_TUNABLES to compare: run npm run build (it writes apps/server/dist/glibc-tunables), and unset GLIBC_TUNABLES here',
  );
  process.exit(1);
}

/** µs per page fault: 64 MiB of fresh memory touched a page at a time. */
function faultMicroseconds() {
  const before = minorFaults('self');
  const started = performance.now();
  const memory = Buffer.allocUnsafeSlow(64 << 20);
  for (let i = 0; i < memory.length; i += 4096) memory[i] = 1;
  return ((performance.now() - started) * 1000) / (minorFaults('self') - before);
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-faults-'));
const compileCache = pristineCompileCache(dist);
const serverArgs = [...production.nodeFlags, 'dist/main.mjs'];
const serverEnv = productionEnv({ DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}` });
const bare = (file) => ({ args: [join(ROOT, 'bench', file)], cwd: ROOT, env: {} });
const bundled = { args: serverArgs, cwd: SERVER_DIR, env: serverEnv, cache: compileCache };
// GLIBC_TUNABLES empty: glibc's defaults (an empty value is what the start scripts leave as given).
const cases = {
  'bare ES module': { ...bare('bare-http-server.mjs'), tunables: '' },
  'bare ES module, tunables': { ...bare('bare-http-server.mjs'), tunables },
  'bare CommonJS': { ...bare('bare-http-server.cjs'), tunables: '' },
  'bare CommonJS, tunables': { ...bare('bare-http-server.cjs'), tunables },
  'bundled server, glibc defaults': { ...bundled, tunables: '' },
  'bundled server, as built': { ...bundled, tunables },
};
const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, { ms: [], faults: [] }]));
try {
  const perFault = [faultMicroseconds(), faultMicroseconds(), faultMicroseconds()];
  for (let round = 1; round <= rounds; round += 1) {
    for (const [name, { args, cwd, env, cache, tunables: value }] of Object.entries(cases)) {
      cache?.restore();
      samples[name].ms.push(
        await coldStart(args, {
          cwd,
          env: { ...env, GLIBC_TUNABLES: value },
          atFirstAnswer: (pid) => samples[name].faults.push(minorFaults(pid)),
        }),
      );
    }
    process.stderr.write(`\rround ${round}/${rounds}   `);
  }
  process.stderr.write('\n');
  const result = {
    rounds,
    tunables,
    faultMicroseconds: median(perFault),
    cases: Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, { ms: median(s.ms), faults: median(s.faults) }])),
  };
  writeOutput('start-faults.json', result);
  console.log(`a page fault here: ${result.faultMicroseconds.toFixed(1)} µs (64 MiB touched a page at a time); GLIBC_TUNABLES=${tunables}`);
  console.log(`spawn → first /healthz 200, medians of ${rounds} alternating rounds:`);
  for (const [name, { ms, faults }] of Object.entries(result.cases)) {
    console.log(`  ${name.padEnd(32)} ${ms.toFixed(0).padStart(4)} ms, ${String(faults).padStart(6)} minor page faults`);
  }
} finally {
  compileCache.restore();
  compileCache.dispose();
  rmSync(dataDir, { recursive: true, force: true });
}
