/**
 * npm run check:wechat [-- --dir <weapp folder>] [--size-only]
 *
 * A built weapp folder as WeChat sees it: compiled offline by WeChat's own compiler (miniprogram-ci)
 * with the folder's project.config.json settings, as DevTools does for preview and upload, then
 * each package's size as WeChat counts it (phones refuse a package over 2 MB) and DevTools' code
 * quality scan (代码质量). Exits 1 when a package is over the cap or a quality item fails.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readJson } from '../config/files';
import { kib } from '../config/size-report';
import { compileWithWeChat, type QualityItem } from '../config/wechat-compiler';
import { MAIN_PACKAGE, oversizedPackages, packageSizes, WECHAT_PACKAGE_LIMIT_BYTES, type PackageSize } from '../config/wechat-package-size';

const appRoot = path.join(__dirname, '..');

const HELP = `Usage: npm run check:wechat -- [--dir <weapp folder>] [--size-only] [--json <file>] [--verbose]

Compiles a built weapp folder with WeChat's own compiler (miniprogram-ci, offline) as DevTools
does for preview and upload, with the folder's project.config.json settings, and checks:
  - every package (the main one and each subpackage) within WeChat's 2048 KiB cap, counted as
    WeChat counts it: the compiled files, without .js.map source maps;
  - DevTools' code quality scan (代码质量): every item must pass (not with --size-only).

  --dir        The weapp folder (default: dist/weapp-check, the production build the checks
               inspect: npm run build:weapp:check). The development build is dist/weapp.
  --size-only  Check the sizes only, for the development build: its uncompressed source is
               over the scan's 1.5 MB advice (PACKAGE_SIZE_LIMIT), and WeChat compresses it
               at preview, which is what the 2048 KiB cap applies to.
  --json       Also write the report to this file.
  --verbose    Print miniprogram-ci's own log lines (one network error in them is expected offline).
  --help       Show this help.

Exit status: 0 when every check passes, 1 when one fails, 2 when the folder cannot be compiled.`;

export interface WeChatCheckReport {
  dir: string;
  sizeOnly: boolean;
  limitBytes: number;
  packages: PackageSize[];
  quality?: QualityItem[];
  /** One line per failed check; empty when the folder passes. */
  failures: string[];
}

/** Relative to where the command runs when inside it, else absolute. */
function displayPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' ? '.' : relative.startsWith('..') ? dir : relative;
}

/** Where to fix the items a project setting decides. */
const QUALITY_FIXES: Record<string, string> = {
  JS_COMPRESS_OPEN: 'set "minified": true in project.config.json',
  WXML_COMPRESS_OPEN: 'set "minifyWXML": true in project.config.json',
  WXSS_COMPRESS_OPEN: 'set "minifyWXSS": true in project.config.json',
  LAZYCODE_LOADING_OPEN: "set lazyCodeLoading: 'requiredComponents' in src/app.config.ts",
};

const packageLabel = (name: string) => (name === MAIN_PACKAGE ? `main package (${MAIN_PACKAGE})` : `subpackage ${name}`);

function compressionSettings(dir: string): string {
  const { setting = {} } = readJson<{ setting?: Record<string, unknown> }>(path.join(dir, 'project.config.json'));
  return ['minified', 'minifyWXML', 'minifyWXSS'].map((key) => `${key} ${setting[key] === true ? 'on' : 'off'}`).join(', ');
}

function printReport(report: WeChatCheckReport): void {
  console.log(`Packages as WeChat counts them (cap ${kib(report.limitBytes)} each; .js.map source maps not counted):`);
  for (const size of report.packages) {
    const mark = size.bytes > report.limitBytes ? 'FAIL' : 'ok  ';
    const maps = size.sourceMapBytes > 0 ? `; source maps ${kib(size.sourceMapBytes)}, not counted` : '';
    console.log(`  ${mark}  ${packageLabel(size.name).padEnd(28)} ${kib(size.bytes).padStart(12)}  (${size.files} files${maps})`);
  }
  if (report.quality) {
    console.log("Code quality (DevTools' 代码质量 scan):");
    for (const item of report.quality) console.log(`  ${item.success ? 'ok  ' : 'FAIL'}  ${item.name.padEnd(30)} ${item.text}`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      'size-only': { type: 'boolean', default: false },
      json: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const dir = values.dir ? path.resolve(values.dir) : path.join(appRoot, 'dist/weapp-check');
  const sizeOnly = values['size-only'];
  const started = performance.now();

  let settings: string;
  try {
    settings = compressionSettings(dir);
  } catch {
    console.error(
      `No built weapp in ${dir} (no project.config.json): build it first (npm run build:weapp:check, or npm run dev:weapp for dist/weapp).`,
    );
    return 2;
  }
  console.log(
    `Compiling ${displayPath(dir)} with WeChat's compiler (miniprogram-ci; ${settings})${sizeOnly ? '' : ' and scanning its code quality'}...`,
  );
  const log: string[] = [];
  const printLog = () => console.log(log.map((line) => `  [miniprogram-ci] ${line}`).join('\n'));
  let compilation;
  try {
    compilation = await compileWithWeChat(dir, { checkQuality: !sizeOnly, log });
  } catch (error) {
    printLog();
    console.error(`WeChat's compiler failed on ${dir}:`, error);
    return 2;
  }
  if (values.verbose) printLog();

  const packages = packageSizes(compilation.files, compilation.subpackageRoots);
  const failures = [
    ...oversizedPackages(packages).map(
      (size) => `${packageLabel(size.name)}: ${kib(size.bytes)}, over WeChat's ${kib(WECHAT_PACKAGE_LIMIT_BYTES)} cap`,
    ),
    ...(compilation.quality ?? [])
      .filter((item) => !item.success)
      .map((item) => `code quality ${item.name}: ${item.text}${QUALITY_FIXES[item.name] ? ` (${QUALITY_FIXES[item.name]})` : ''}`),
  ];
  const report: WeChatCheckReport = {
    dir,
    sizeOnly,
    limitBytes: WECHAT_PACKAGE_LIMIT_BYTES,
    packages,
    ...(compilation.quality ? { quality: compilation.quality } : {}),
    failures,
  };
  printReport(report);
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (failures.length > 0) {
    console.error(`\nWeChat would refuse or flag this build (${seconds} s):\n${failures.map((line) => `  ${line}`).join('\n')}`);
    return 1;
  }
  console.log(`\nWeChat check passed (${seconds} s).`);
  return 0;
}

// miniprogram-ci leaves a file watcher and its compiler process running: leave explicitly.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
