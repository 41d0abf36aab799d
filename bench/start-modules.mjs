// Where a start's module evaluation goes, module by module: a copy of apps/server/dist whose
// bundle times each module's top-level code (esbuild's two module wrappers, lazy ESM init and
// CommonJS require, record their time), its compile cache made by the build's own
// warm-compile-cache.mjs, started N times to its first /healthz 200 as cold-start.mjs starts it
// (a SQLite file, production mode).
// Prints each package's and each file's own time (a module's top level without the modules it
// requires; a built-in's load counts to the module that requires it) and writes
// bench/out/start-modules.json. A diagnostic, not a goal: the timing adds a little to every module.
// Usage: node bench/start-modules.mjs [--starts 8] [--top 30]   (after npm run build)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coldStart, median, numberArg, pristineCompileCache, productionEnv, productionStart, SERVER_DIR, writeOutput } from './lib.mjs';

if (process.argv.includes('--help')) {
  console.log('Usage: node bench/start-modules.mjs [--starts 8] [--top 30]   (after npm run build --workspace @app/server)');
  process.exit(0);
}
const starts = numberArg('starts', 8);
const top = numberArg('top', 30);
const dist = join(SERVER_DIR, 'dist');
if (!existsSync(join(dist, 'server.cjs.map'))) {
  console.error('apps/server/dist has no server.cjs with its source map: run npm run build --workspace @app/server first');
  process.exit(2);
}

// esbuild's minified helpers: __esm (an ES module's init, run once) and __commonJS (a CommonJS
// module's require, run once). Each is given a timer around its one run.
const WRAPPERS = [
  {
    pattern:
      /var ([\w$]+)=\(([\w$]+),([\w$]+),([\w$]+)\)=>\(\)=>\{if\(\4\)throw \4\[0\];try\{return \2&&\(\3=\2\(\2=0\)\),\3\}catch\(([\w$]+)\)\{throw \4=\[\5\],\5\}\};/,
    timed: (m) =>
      `var ${m[1]}=(${m[2]},${m[3]},${m[4]})=>()=>{if(${m[4]})throw ${m[4]}[0];try{if(${m[2]}){const f=${m[2]};return ${m[3]}=__timed(f,()=>f(${m[2]}=0)),${m[3]}}return ${m[3]}}catch(${m[5]}){throw ${m[4]}=[${m[5]}],${m[5]}}};`,
  },
  {
    pattern:
      /var ([\w$]+)=\(([\w$]+),([\w$]+)\)=>\(\)=>\{try\{return \3\|\|\2\(\(\3=\{exports:\{\}\}\)\.exports,\3\),\3\.exports\}catch\(([\w$]+)\)\{throw \3=0,\4\}\}/,
    timed: (m) =>
      `var ${m[1]}=(${m[2]},${m[3]})=>()=>{try{return ${m[3]}||__timed(${m[2]},()=>${m[2]}((${m[3]}={exports:{}}).exports,${m[3]})),${m[3]}.exports}catch(${m[4]}){throw ${m[3]}=0,${m[4]}}}`,
  },
];
// Each run's own time (its whole time less its nested runs'), by the wrapped function, whose text
// names it (found again in the original bundle, whose source map says which file it is).
const TIMER =
  'var __timing=[],__times=[];function __timed(f,run){const start=performance.now(),frame={children:0};__timing.push(frame);' +
  'try{return run()}finally{__timing.pop();const spent=performance.now()-start;if(__timing.length)__timing[__timing.length-1].children+=spent;' +
  '__times.push([f,spent-frame.children])}}process.once("exit",()=>{if(process.env.START_MODULES_OUT)require("node:fs").writeFileSync(' +
  'process.env.START_MODULES_OUT,JSON.stringify(__times.map(([f,own])=>[String(f).slice(0,200),own])))});';

const original = readFileSync(join(dist, 'server.cjs'), 'utf8');
let patched = original;
for (const [index, wrapper] of WRAPPERS.entries()) {
  const match = wrapper.pattern.exec(patched);
  if (!match) {
    console.error("esbuild's module wrappers in dist/server.cjs are not the ones this script knows (a new esbuild?): nothing to time");
    process.exit(1);
  }
  // The timer goes before the first wrapper (the copy's source map is not used).
  patched = patched.replace(match[0], () => (index === 0 ? TIMER : '') + wrapper.timed(match));
}

const copy = mkdtempSync(join(tmpdir(), 'start-modules-'));
process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
cpSync(dist, copy, { recursive: true });
rmSync(join(copy, '.compile-cache'), { recursive: true, force: true });
writeFileSync(join(copy, 'server.cjs'), patched);
process.stderr.write('warming the timed copy’s compile cache (build/warm-compile-cache.mjs)…\n');
const warm = spawnSync(process.execPath, ['build/warm-compile-cache.mjs', copy], {
  cwd: SERVER_DIR,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (warm.status !== 0) process.exit(1);

// Each wrapped function's text -> the file it came from, through the original bundle's source map.
const sourceMap = new SourceMap(JSON.parse(readFileSync(join(dist, 'server.cjs.map'), 'utf8')));
const lineStarts = [0];
for (let i = 0; i < original.length; i += 1) if (original.charCodeAt(i) === 10) lineStarts.push(i + 1);
const sources = new Map();
function sourceOf(text) {
  if (sources.has(text)) return sources.get(text);
  const offset = original.indexOf(text);
  let source = '(unknown)';
  if (offset >= 0) {
    const line = lineStarts.findLastIndex((start) => start <= offset);
    const entry = sourceMap.findEntry(line, offset - lineStarts[line]);
    source = (entry?.originalSource ?? source)
      .replace(/^.*node_modules\//, '')
      .replace(/^.*?\/(packages|apps)\//, '$1/')
      .replace(/^\.\.\/src\//, 'apps/server/src/');
  }
  sources.set(text, source);
  return source;
}
const packageOf = (file) =>
  /^(packages|apps)\//.test(file)
    ? file.split('/').slice(0, 2).join('/')
    : file
        .split('/')
        .slice(0, file.startsWith('@') ? 2 : 1)
        .join('/');

const cache = pristineCompileCache(copy);
const production = productionStart(copy);
const byFile = new Map();
const startTimes = [];
try {
  for (let i = 1; i <= starts; i += 1) {
    cache.restore();
    const out = join(copy, `times-${i}.json`);
    // As cold-start.mjs starts the server; the timed bundle writes its times as the process exits.
    startTimes.push(
      await coldStart([...production.nodeFlags, join(copy, 'main.mjs')], {
        cwd: copy,
        env: { ...productionEnv({ DATABASE_URL: `sqlite:${join(copy, 'start.sqlite')}` }), ...production.env, START_MODULES_OUT: out },
      }),
    );
    for (const [text, own] of JSON.parse(readFileSync(out, 'utf8'))) {
      const file = sourceOf(text);
      (byFile.get(file) ?? byFile.set(file, []).get(file)).push(own);
    }
    process.stderr.write(`\rstart ${i}/${starts}: ${startTimes.at(-1).toFixed(0)} ms   `);
  }
} finally {
  cache.dispose();
}
process.stderr.write('\n');

// Per start: the sum of each file's runs divided by the starts (a module runs once a start).
const perStart = (values) => values.reduce((a, b) => a + b, 0) / starts;
const files = [...byFile].map(([file, values]) => ({ file, ms: perStart(values) })).sort((a, b) => b.ms - a.ms);
const packages = new Map();
for (const { file, ms } of files) packages.set(packageOf(file), (packages.get(packageOf(file)) ?? 0) + ms);
const total = files.reduce((sum, { ms }) => sum + ms, 0);
const list = (rows) => rows.map(([name, ms]) => `${ms.toFixed(2).padStart(8)}  ${name}`).join('\n');

console.log(`${starts} starts to the first /healthz 200 (timed copy), median ${median(startTimes).toFixed(0)} ms`);
console.log(`module evaluation: ${total.toFixed(1)} ms a start, in ${files.length} files`);
console.log(`\nown time by package, ms a start:\n${list([...packages].sort((a, b) => b[1] - a[1]).slice(0, top))}`);
console.log(`\nown time by file, ms a start:\n${list(files.slice(0, top).map(({ file, ms }) => [file, ms]))}`);
writeOutput('start-modules.json', {
  starts,
  startMs: median(startTimes),
  evaluationMs: total,
  packages: Object.fromEntries([...packages].sort((a, b) => b[1] - a[1])),
  files: Object.fromEntries(files.map(({ file, ms }) => [file, ms])),
});
