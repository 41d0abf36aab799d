/**
 * npm run mp:check [-- --dir <weapp folder>] [--size-only]   (also npm run check:wechat: dist/weapp-check)
 *
 * A built weapp folder as WeChat sees it: compiled offline by WeChat's own compiler (miniprogram-ci)
 * with the folder's project.config.json settings, as DevTools does for preview and upload, then
 * each package's size as WeChat counts it (phones refuse a package over 2 MB), WeChat's package
 * analysis (every reference between files resolves) and DevTools' code quality scan (代码质量).
 * Exits 1 when WeChat's compiler fails, a package is over the cap, a reference does not resolve or
 * a quality item fails.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { withMiniprogramCi } from '../config/miniprogram-ci';
import { buildCommandForFolder } from '../config/weapp-release';
import { checkWithWeChat, compressionSettings, displayPath, formatCheckReport, missingBuildMessage } from '../config/wechat-check';

const appRoot = path.join(__dirname, '..');

const HELP = `Usage: npm run mp:check -- [--dir <weapp folder>] [--size-only] [--json <file>] [--verbose]

Compiles a built weapp folder with WeChat's own compiler (miniprogram-ci, offline) as DevTools
does for preview and upload, with the folder's project.config.json settings, and checks:
  - WeChat's compiler accepts it (a compile error fails the check);
  - every package (the main one and each subpackage) within WeChat's 2048 KiB cap, counted as
    WeChat counts it: the compiled files, without .js.map source maps;
  - WeChat's package analysis (代码依赖分析): every reference between files resolves (a require,
    a WXML or WXSS import, a page or component in a JSON file);
  - DevTools' code quality scan (代码质量): every item must pass (not with --size-only).

  --dir        The weapp folder, relative to apps/miniprogram (default: dist/weapp, the folder
               DevTools opens and npm run mp:upload -- --mode production uploads; npm run
               build:weapp builds it). npm run check:wechat checks dist/weapp-check, the build
               npm test inspects (npm run build:weapp:check).
  --size-only  Skip the code quality scan, for the development build: its uncompressed source is
               over the scan's 1.5 MB advice (PACKAGE_SIZE_LIMIT), and WeChat compresses it
               at preview, which is what the 2048 KiB cap applies to.
  --json       Also write the report to this file.
  --verbose    Print miniprogram-ci's own log lines (one network error in them is expected offline).
  --help       Show this help.

Exit status: 0 when every check passes, 1 when one fails (WeChat's compiler included),
2 when there is no built weapp in the folder.`;

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
  const dir = path.resolve(values.dir ?? path.join(appRoot, 'dist/weapp'));
  const json = values.json === undefined ? undefined : path.resolve(values.json);
  const sizeOnly = values['size-only'];
  const started = performance.now();

  const missing = missingBuildMessage(dir, buildCommandForFolder(appRoot, dir));
  if (missing) {
    console.error(missing);
    return 2;
  }
  console.log(
    `Compiling ${displayPath(dir)} with WeChat's compiler (miniprogram-ci; ${compressionSettings(dir)})${sizeOnly ? '' : ' and scanning its code quality'}...`,
  );
  const log: string[] = [];
  let report;
  try {
    report = await withMiniprogramCi(log, (session) => checkWithWeChat(session, dir, { sizeOnly }));
  } finally {
    if (values.verbose) console.log(log.map((line) => `  [miniprogram-ci] ${line}`).join('\n'));
  }
  formatCheckReport(report).forEach((line) => console.log(line));
  if (json) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (report.failures.length > 0) {
    console.error(`\nWeChat would refuse or flag this build (${seconds} s):\n${report.failures.map((line) => `  ${line}`).join('\n')}`);
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
    process.exit(1);
  },
);
