/**
 * A built weapp folder as WeChat sees it, checked: compiled by WeChat's own compiler (offline),
 * every package within the 2048 KiB cap as WeChat counts it, every reference between its files
 * resolving (WeChat's package analysis) and, unless only sizes are asked for, DevTools' code
 * quality scan. `npm run mp:check` (scripts/wechat-check.ts) prints it; `npm run mp:preview` and
 * `mp:upload` (scripts/mp-release.ts) run it, without the scan, before anything goes to WeChat.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readJson } from './files';
import type { CiSession } from './miniprogram-ci';
import { kib } from './size-report';
import { checkBuildSyntax } from './syntax-check';
import { unresolvedLines, type PackageAnalysis } from './wechat-analysis';
import { compileWithWeChat, WeChatCompileError, type QualityItem } from './wechat-compiler';
import { MAIN_PACKAGE, oversizedPackages, packageSizes, WECHAT_PACKAGE_LIMIT_BYTES, type PackageSize } from './wechat-package-size';

export interface WeChatCheckReport {
  dir: string;
  sizeOnly: boolean;
  limitBytes: number;
  /** A development build (source maps beside its code): not minified, so the scan's 1.5 MB advice does not apply. */
  developmentBuild: boolean;
  /** WeChat's compiler's message when it refused the folder; nothing else is checked then. */
  compileError?: string;
  /** Seconds WeChat's compiler took. */
  compileSeconds?: number;
  packages: PackageSize[];
  analysis: PackageAnalysis;
  quality?: QualityItem[];
  /** One line per failed check; empty when the folder passes. */
  failures: string[];
}

/** Relative to where the command runs (`from`) when inside it, else absolute. */
export function displayPath(file: string, from = process.cwd()): string {
  const relative = path.relative(from, file);
  return relative === '' ? '.' : relative.startsWith('..') ? file : relative;
}

/** A development build keeps its source maps beside the code; production builds drop them. */
export function isDevelopmentBuild(dir: string): boolean {
  return existsSync(path.join(dir, 'app.js.map'));
}

/** Why `dir` cannot be checked (no built weapp in it, and how to build one), or null. */
export function missingBuildMessage(dir: string, buildCommand: string): string | null {
  if (existsSync(path.join(dir, 'project.config.json')) && existsSync(path.join(dir, 'app.json'))) return null;
  return `No built weapp in ${displayPath(dir)} (no project.config.json and app.json there): build it first with ${buildCommand}.`;
}

export function compressionSettings(dir: string): string {
  const { setting = {} } = readJson<{ setting?: Record<string, unknown> }>(path.join(dir, 'project.config.json'));
  return ['minified', 'minifyWXML', 'minifyWXSS'].map((key) => `${key} ${setting[key] === true ? 'on' : 'off'}`).join(', ');
}

/** Where to fix the items a project setting decides. */
const QUALITY_FIXES: Record<string, string> = {
  JS_COMPRESS_OPEN: 'set "minified": true in project.config.json',
  WXML_COMPRESS_OPEN: 'set "minifyWXML": true in project.config.json',
  WXSS_COMPRESS_OPEN: 'set "minifyWXSS": true in project.config.json',
  LAZYCODE_LOADING_OPEN: "set lazyCodeLoading: 'requiredComponents' in src/app.config.ts",
};
const DEVELOPMENT_BUILD_FIXES: Record<string, string> = {
  PACKAGE_SIZE_LIMIT: 'this is a development build, not minified: scan a production build, or check its sizes only with --size-only',
};

const packageLabel = (name: string) => (name === MAIN_PACKAGE ? `main package (${MAIN_PACKAGE})` : `subpackage ${name}`);

/** JavaScript in the folder that does not parse at the syntax floor: what usually makes WeChat's compiler fail. */
function syntaxHints(dir: string): string[] {
  return checkBuildSyntax(dir)
    .problems.slice(0, 5)
    .map((problem) => `    ${problem.file}:${problem.line}:${problem.column} ${problem.message}`);
}

/** Compiles and checks `dir` (a built weapp folder, see missingBuildMessage) in a miniprogram-ci session. */
export async function checkWithWeChat(
  session: CiSession,
  dir: string,
  options: { sizeOnly: boolean; appId?: string; privateKeyPath?: string },
): Promise<WeChatCheckReport> {
  const base = { dir, sizeOnly: options.sizeOnly, limitBytes: WECHAT_PACKAGE_LIMIT_BYTES, developmentBuild: isDevelopmentBuild(dir) };
  let compilation;
  try {
    compilation = await compileWithWeChat(session, dir, { ...options, checkQuality: !options.sizeOnly });
  } catch (error) {
    if (!(error instanceof WeChatCompileError)) throw error;
    const hints = syntaxHints(dir);
    return {
      ...base,
      compileError: error.message,
      packages: [],
      analysis: error.analysis,
      failures: [
        `WeChat's compiler failed: ${error.message}`,
        ...(hints.length > 0 ? [`JavaScript that does not parse at the syntax floor (the likely cause):\n${hints.join('\n')}`] : []),
      ],
    };
  }

  const packages = packageSizes(compilation.files, compilation.subpackageRoots);
  const fixes = { ...QUALITY_FIXES, ...(base.developmentBuild ? DEVELOPMENT_BUILD_FIXES : {}) };
  const failures = [
    ...oversizedPackages(packages).map(
      (size) => `${packageLabel(size.name)}: ${kib(size.bytes)}, over WeChat's ${kib(WECHAT_PACKAGE_LIMIT_BYTES)} cap`,
    ),
    ...unresolvedLines(compilation.analysis),
    ...(compilation.quality ?? [])
      .filter((item) => !item.success)
      .map((item) => `code quality ${item.name}: ${item.text}${fixes[item.name] ? ` (${fixes[item.name]})` : ''}`),
  ];
  return {
    ...base,
    compileSeconds: Math.round(compilation.compileMs / 100) / 10,
    packages,
    analysis: compilation.analysis,
    ...(compilation.quality ? { quality: compilation.quality } : {}),
    failures,
  };
}

/** The report as the scripts print it. */
export function formatCheckReport(report: WeChatCheckReport): string[] {
  const lines: string[] = [];
  if (report.compileSeconds !== undefined) lines.push(`Compiled by WeChat's compiler in ${report.compileSeconds.toFixed(1)} s.`);
  if (report.packages.length > 0) {
    lines.push(`Packages as WeChat counts them (cap ${kib(report.limitBytes)} each; .js.map source maps not counted):`);
    for (const size of report.packages) {
      const mark = size.bytes > report.limitBytes ? 'FAIL' : 'ok  ';
      const maps = size.sourceMapBytes > 0 ? `; source maps ${kib(size.sourceMapBytes)}, not counted` : '';
      lines.push(`  ${mark}  ${packageLabel(size.name).padEnd(28)} ${kib(size.bytes).padStart(12)}  (${size.files} files${maps})`);
    }
  }
  if (report.analysis.packages.length > 0) {
    const { analysis } = report;
    lines.push("Package analysis (WeChat's 代码依赖分析 of the built files, before WeChat compresses them):");
    for (const pkg of analysis.packages) {
      const largest = pkg.largest.map((file) => `${file.path} ${kib(file.bytes)}`).join(', ');
      lines.push(`        ${packageLabel(pkg.name).padEnd(28)} ${kib(pkg.bytes).padStart(12)}  (${pkg.files} files; largest: ${largest})`);
    }
    const mark = analysis.unresolved.length > 0 ? 'FAIL' : 'ok  ';
    lines.push(`  ${mark}  references between files: ${analysis.references}, ${analysis.unresolved.length} that do not resolve`);
  }
  if (report.quality) {
    lines.push("Code quality (DevTools' 代码质量 scan):");
    for (const item of report.quality) lines.push(`  ${item.success ? 'ok  ' : 'FAIL'}  ${item.name.padEnd(30)} ${item.text}`);
  }
  return lines;
}
