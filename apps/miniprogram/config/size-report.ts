/**
 * After a production weapp build: the main package's size (what WeChat caps at 2 MB; our budget is in
 * size-budget.ts) and which libraries weigh what in its JavaScript.
 *
 * Attribution comes from source maps: every byte of minified output is charged to the source
 * file its mapping points at, and each file to its npm package (or to the app, or to
 * packages/shared). The maps are made for this and dropped before they reach dist.
 * The report goes to the console and to dist/weapp-size.json (outside the uploaded folder).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SourceMapConsumer, type RawSourceMap } from 'source-map-js';
import type { Compilation, Compiler } from 'webpack';
import { filesUnder, subpackageRoots } from './files';

export interface SizeReport {
  /** Bytes of every file in the main package (all of dist/weapp but subpackage folders). */
  mainPackageBytes: number;
  subpackageBytes: Record<string, number>;
  /** The main package's largest files. */
  files: Array<{ file: string; bytes: number }>;
  /** Minified JavaScript bytes per library, largest first (all packages). */
  libraries: Array<{ library: string; bytes: number }>;
}

/** `webpack://app/../../node_modules/@tarojs/runtime/dist/x.js` → `@tarojs/runtime`. */
export function libraryOf(source: string): string {
  const normalized = source.replace(/\\/g, '/');
  const inModules = normalized.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const [scope, name] = normalized.slice(inModules + 'node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? normalized);
  }
  if (normalized.includes('packages/shared/')) return '@app/shared';
  if (/(^|\/)src\//.test(normalized)) return 'app (src)';
  return '(webpack runtime)';
}

/** Charges each byte of a minified file to a library, by its source map. */
export function attributeBytes(code: string, map: RawSourceMap, totals: Map<string, number>): void {
  const lines = code.split('\n');
  const add = (library: string, text: string) => {
    if (text !== '') totals.set(library, (totals.get(library) ?? 0) + Buffer.byteLength(text));
  };
  const consumer = new SourceMapConsumer(map);
  let cursor = { line: 1, column: 0 };
  let owner = '(webpack runtime)';
  const advanceTo = (line: number, column: number) => {
    // Bytes from the cursor up to (line, column) belong to the current owner.
    while (cursor.line < line) {
      add(owner, `${(lines[cursor.line - 1] ?? '').slice(cursor.column)}\n`);
      cursor = { line: cursor.line + 1, column: 0 };
    }
    add(owner, (lines[line - 1] ?? '').slice(cursor.column, column));
    cursor = { line, column };
  };
  consumer.eachMapping((mapping) => {
    advanceTo(mapping.generatedLine, mapping.generatedColumn);
    owner = mapping.source ? libraryOf(mapping.source) : '(webpack runtime)';
  });
  advanceTo(lines.length, (lines[lines.length - 1] ?? '').length);
}

/** Sizes straight from dist: the files WeChat DevTools would upload. */
export function measurePackage(outputDir: string): Pick<SizeReport, 'mainPackageBytes' | 'subpackageBytes' | 'files'> {
  const roots = subpackageRoots(outputDir);
  const subpackageBytes: Record<string, number> = Object.fromEntries(roots.map((root) => [root, 0]));
  const files: SizeReport['files'] = [];
  let mainPackageBytes = 0;
  for (const full of filesUnder(outputDir)) {
    const file = path.relative(outputDir, full).replace(/\\/g, '/');
    const bytes = statSync(full).size;
    const root = roots.find((r) => file.startsWith(r));
    if (root) {
      subpackageBytes[root] = (subpackageBytes[root] ?? 0) + bytes;
    } else {
      mainPackageBytes += bytes;
      files.push({ file, bytes });
    }
  }
  files.sort((a, b) => b.bytes - a.bytes);
  return { mainPackageBytes, subpackageBytes, files };
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function formatSizeReport(report: SizeReport, budgetBytes?: number): string {
  const lines = [
    `Main package: ${kib(report.mainPackageBytes)}${budgetBytes ? ` of a ${kib(budgetBytes)} budget` : ''} (WeChat's cap: 2048 KiB)`,
    ...Object.entries(report.subpackageBytes).map(([root, bytes]) => `Subpackage ${root}: ${kib(bytes)}`),
    'Largest files:',
    ...report.files.slice(0, 6).map(({ file, bytes }) => `  ${kib(bytes).padStart(10)}  ${file}`),
    'JavaScript by library (minified):',
    ...report.libraries.slice(0, 12).map(({ library, bytes }) => `  ${kib(bytes).padStart(10)}  ${library}`),
  ];
  return lines.join('\n');
}

export class SizeReportPlugin {
  constructor(private readonly options: { outputDir: string; budgetBytes?: number }) {}

  apply(compiler: Compiler): void {
    const totals = new Map<string, number>();
    compiler.hooks.thisCompilation.tap('SizeReportPlugin', (compilation: Compilation) => {
      totals.clear();
      compilation.hooks.processAssets.tap(
        { name: 'SizeReportPlugin', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_REPORT },
        (assets) => {
          for (const name of Object.keys(assets)) {
            if (!name.endsWith('.js.map')) continue;
            const code = compilation.getAsset(name.slice(0, -'.map'.length))?.source.source().toString();
            const mapText = compilation.getAsset(name)?.source.source().toString();
            if (code !== undefined && mapText !== undefined) attributeBytes(code, JSON.parse(mapText) as RawSourceMap, totals);
            compilation.deleteAsset(name); // made for this report only
          }
        },
      );
    });
    compiler.hooks.done.tap('SizeReportPlugin', (stats) => {
      if (stats.hasErrors()) return;
      const libraries = [...totals].map(([library, bytes]) => ({ library, bytes })).sort((a, b) => b.bytes - a.bytes);
      const report: SizeReport = { ...measurePackage(this.options.outputDir), libraries };
      const file = `${this.options.outputDir}-size.json`;
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`\n${formatSizeReport(report, this.options.budgetBytes)}\n(written to ${path.relative(process.cwd(), file)})\n`);
    });
  }
}
