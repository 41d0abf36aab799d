// Cold start, alternating rounds on this machine, medians compared as ratios to a bare node:http
// server's spawn → first 200, two of them: bench/bare-http-server.mjs, an ES module (the reference
// the goals were set against), and bench/bare-http-server.cjs, the least (CommonJS: it does not
// load Node's built-in undici, as importing node:http into an ES module does). Every start of the
// bundled server begins from its compile cache as the build left it, as a fresh container or
// function instance does:
//   - spawn → first /healthz 200 of the bundled server as `npm start` runs it (node with the flags of
//     dist/node-flags, dist/main.mjs with its compile cache, GLIBC_TUNABLES from dist/glibc-tunables,
//     NODE_ENV=production), on SQLite;
//   - spawn → first authenticated user.me 200 of the same server on MariaDB (a signed-in user seeded
//     in a migrated database; the request asked every 2 ms from spawn on, so it is the first answer a
//     client waiting at start-up gets: loading the driver, connecting, the revocation check and the
//     select are all in it);
//   - the same for the Go/Gin reference (bench/gin), when Go is installed.
// Writes bench/out/cold-start.json.
// Usage: node bench/cold-start.mjs [--rounds N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoReference, GO_HINT } from './go-reference.mjs';
import {
  benchDatabase,
  coldStart,
  ME_PATH,
  median,
  migrate,
  numberArg,
  pristineCompileCache,
  productionEnv,
  productionStart,
  ROOT,
  seedSignedInUser,
  SERVER_DIR,
  writeOutput,
} from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log(
    `Usage: node bench/cold-start.mjs [--rounds N]   (needs npm run build first, and MariaDB: npm run setup)\nOptional: ${GO_HINT}`,
  );
  process.exit(0);
}
const rounds = numberArg('rounds', 15);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-cold-'));

// Every start of the bundled server begins from the compile cache as built (lib.mjs says why), and
// runs as production starts it: `node <dist/node-flags> dist/main.mjs` with dist/glibc-tunables.
const compileCache = pristineCompileCache(join(SERVER_DIR, 'dist'));
const production = productionStart(join(SERVER_DIR, 'dist'));
const serverArgs = [...production.nodeFlags, 'dist/main.mjs'];
const database = await benchDatabase('bench_cold');
try {
  const sqliteEnv = productionEnv({ DATABASE_URL: `sqlite:${join(dataDir, 'bench.sqlite')}` });
  // As deployed: one log line per request.
  const mariadbEnv = productionEnv({ LOG_LEVEL: 'info', DATABASE_URL: database.url });
  await migrate(mariadbEnv);
  const { headers } = await seedSignedInUser(database.admin, database.name, mariadbEnv.JWT_SECRET);
  const go = buildGoReference();
  process.stderr.write(
    go.skipped ? `Gin reference skipped: ${go.skipped}\n` : `Gin reference ${go.reused ? 'reused' : 'built'}: ${go.binary}\n`,
  );

  const samples = { bare: [], least: [], healthz: [], me: [], gin: [] };
  for (let round = 1; round <= rounds; round += 1) {
    samples.bare.push(await coldStart([join(ROOT, 'bench/bare-http-server.mjs')], { cwd: ROOT }));
    samples.least.push(await coldStart([join(ROOT, 'bench/bare-http-server.cjs')], { cwd: ROOT }));
    compileCache.restore();
    samples.healthz.push(await coldStart(serverArgs, { cwd: SERVER_DIR, env: { ...sqliteEnv, ...production.env } }));
    compileCache.restore();
    samples.me.push(await coldStart(serverArgs, { cwd: SERVER_DIR, env: { ...mariadbEnv, ...production.env }, path: ME_PATH, headers }));
    if (!go.skipped) {
      samples.gin.push(await coldStart([], { command: go.binary, env: mariadbEnv, path: '/bench/user-me', headers }));
    }
    process.stderr.write(
      `\rround ${round}/${rounds}: bare ${samples.bare.at(-1).toFixed(1)} ms (CommonJS ${samples.least.at(-1).toFixed(1)}), /healthz ${samples.healthz.at(-1).toFixed(1)} ms, user.me ${samples.me.at(-1).toFixed(1)} ms${go.skipped ? '' : `, Gin user.me ${samples.gin.at(-1).toFixed(1)} ms`}   `,
    );
  }
  process.stderr.write('\n');
  const result = {
    rounds,
    bareMs: median(samples.bare),
    leastMs: median(samples.least),
    bundledMs: median(samples.healthz),
    meMs: median(samples.me),
    ginMeMs: go.skipped ? null : median(samples.gin),
    gin: go.skipped ? { skipped: go.skipped } : { reused: go.reused },
    samples,
  };
  result.ratio = result.bundledMs / result.bareMs;
  result.meRatio = result.meMs / result.bareMs;
  result.leastRatio = result.bundledMs / result.leastMs;
  result.meLeastRatio = result.meMs / result.leastMs;
  writeOutput('cold-start.json', result);
  console.log(
    `cold start, median of ${rounds} alternating rounds: bare node:http ${result.bareMs.toFixed(0)} ms (ES module; CommonJS ${result.leastMs.toFixed(0)} ms); ` +
      `bundled server /healthz ${result.bundledMs.toFixed(0)} ms (${result.ratio.toFixed(2)}×; ${result.leastRatio.toFixed(2)}× the CommonJS one), ` +
      `first user.me on MariaDB ${result.meMs.toFixed(0)} ms (${result.meRatio.toFixed(2)}×; ${result.meLeastRatio.toFixed(2)}×)${go.skipped ? '' : `; Gin's first user.me ${result.ginMeMs.toFixed(0)} ms`}`,
  );
} finally {
  compileCache.restore();
  compileCache.dispose();
  rmSync(dataDir, { recursive: true, force: true });
  await database.dispose();
}
