/**
 * The production weapp as WeChat sees it (turbo runs build:weapp:check before these tests), by
 * npm run mp:check (scripts/wechat-check.ts): compiled by WeChat's own compiler with the committed
 * project settings, every package within the 2 MB cap phones enforce, every reference between
 * files resolving, and every item of DevTools' code quality scan passing; and the same check
 * failing a copy whose main package is over the cap. And how WeChat counts a package and what its
 * package analysis reports, on made-up files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJson } from '../config/files';
import { summariseAnalysis, unresolvedLines } from '../config/wechat-analysis';
import { MAIN_PACKAGE, oversizedPackages, packageSizes, WECHAT_PACKAGE_LIMIT_BYTES } from '../config/wechat-package-size';
import type { WeChatCheckReport } from '../config/wechat-check';
import { appRoot, checkBuildDir, copyCheckBuild, hashNamedLitter, requireCheckBuild } from './support/check-build';
import { runTsx } from './support/commands';

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

describe('the production weapp, compiled by WeChat (npm run mp:check)', () => {
  it('was built with the committed project settings', () => {
    requireCheckBuild(path.join(checkBuildDir, 'project.config.json'));
    type Settings = { setting: unknown; libVersion: unknown };
    const built = readJson<Settings>(path.join(checkBuildDir, 'project.config.json'));
    const committed = readJson<Settings>(path.join(appRoot, 'project.config.json'));
    expect({ setting: built.setting, libVersion: built.libVersion }, 'run `npm run build:weapp:check`').toEqual({
      setting: committed.setting,
      libVersion: committed.libVersion,
    });
  });

  it('fits every package within 2 MB and passes every code quality item', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wechat-check-'));
    folders.push(dir);
    const reportFile = path.join(dir, 'report.json');
    const { code, output } = await runTsx(['scripts/wechat-check.ts', '--dir', checkBuildDir, '--json', reportFile]);
    expect(code, output).toBe(0);

    const report = readJson<WeChatCheckReport>(reportFile);
    const main = report.packages.find((size) => size.name === MAIN_PACKAGE)!;
    expect(main.bytes).toBeGreaterThan(0);
    expect(main.bytes).toBeLessThanOrEqual(WECHAT_PACKAGE_LIMIT_BYTES);
    expect(report.packages.map((size) => size.name)).toEqual(expect.arrayContaining(['debug/', 'shop/']));
    // The scan ran, compression included, and nothing in it failed.
    expect(report.quality?.map((item) => item.name)).toEqual(
      expect.arrayContaining([
        'PACKAGE_SIZE_LIMIT',
        'JS_COMPRESS_OPEN',
        'WXML_COMPRESS_OPEN',
        'WXSS_COMPRESS_OPEN',
        'CONTAINS_UNUSED_CODES',
      ]),
    );
    expect(report.quality?.filter((item) => !item.success)).toEqual([]);
    // WeChat's package analysis saw every package, and every reference between files resolves.
    expect(report.analysis.packages.map((pkg) => pkg.name)).toEqual([MAIN_PACKAGE, 'debug/', 'shop/']);
    expect(report.analysis.references).toBeGreaterThan(0);
    expect(report.analysis.unresolved).toEqual([]);
    expect(report.compileSeconds).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
    // miniprogram-ci's compiler cache went to a scratch folder, not the app's.
    expect(hashNamedLitter()).toEqual([]);
  });

  it('fails a copy whose main package is over the cap, naming it', { timeout: 120_000 }, async () => {
    const dir = copyCheckBuild();
    folders.push(path.dirname(dir));
    // Incompressible bytes: WeChat's compression leaves them as they are.
    writeFileSync(path.join(dir, 'assets/padding.png'), randomBytes(WECHAT_PACKAGE_LIMIT_BYTES));
    const reportFile = path.join(path.dirname(dir), 'report.json');
    const { code, stderr, output } = await runTsx(['scripts/wechat-check.ts', '--dir', dir, '--json', reportFile]);
    expect(code, output).toBe(1);

    const report = readJson<WeChatCheckReport>(reportFile);
    const main = report.packages.find((size) => size.name === MAIN_PACKAGE)!;
    expect(main.bytes).toBeGreaterThan(WECHAT_PACKAGE_LIMIT_BYTES);
    expect(report.failures[0]).toMatch(/^main package \(__APP__\): [\d.]+ KiB, over WeChat's 2048\.0 KiB cap$/);
    expect(stderr).toContain(report.failures[0]);
  });

  it('says which command builds a missing folder', async () => {
    const { code, stderr } = await runTsx(['scripts/wechat-check.ts', '--dir', 'dist/weapp-no-such-mode']);
    expect(code).toBe(2);
    expect(stderr).toContain('No built weapp in dist/weapp-no-such-mode');
    expect(stderr).toContain('npx taro build --type weapp --mode no-such-mode');
  });
});

describe('package sizes as WeChat counts them', () => {
  const files = {
    'app.js': 'x'.repeat(100),
    'app.js.map': 'm'.repeat(1000),
    'pages/index/index.wxml': Buffer.alloc(10),
    'debug/pages/env/index.js': '调试', // 6 bytes in UTF-8
    'debug/pages/env/index.js.map': 'm'.repeat(50),
    'debugger.js': 'y'.repeat(7),
  };

  it('counts every compiled file of a package but its .js.map source maps', () => {
    expect(packageSizes(files, ['debug'])).toEqual([
      { name: MAIN_PACKAGE, bytes: 100 + 10 + 7, sourceMapBytes: 1000, files: 3 },
      { name: 'debug/', bytes: 6, sourceMapBytes: 50, files: 1 },
    ]);
  });

  it('names the packages over the cap', () => {
    const sizes = packageSizes({ 'app.js': Buffer.alloc(WECHAT_PACKAGE_LIMIT_BYTES + 1), 'sub/a.js': 'a' }, ['sub/']);
    expect(oversizedPackages(sizes).map((size) => size.name)).toEqual([MAIN_PACKAGE]);
    expect(oversizedPackages(packageSizes({ 'app.js': Buffer.alloc(WECHAT_PACKAGE_LIMIT_BYTES) }, []))).toEqual([]);
  });
});

describe("WeChat's package analysis, summarised", () => {
  const result = {
    files: [
      { path: 'app.js', size: 300, subPackage: null },
      { path: 'taro.js', size: 500, subPackage: null },
      { path: 'app.json', size: 20, subPackage: null },
      { path: 'pages/index/index.js', size: 40, subPackage: null },
      { path: 'debug/pages/env/index.js', size: 7, subPackage: 'debug/' },
    ],
    modules: [
      { path: 'app.json', deps: [{ request: 'pages/index/index' }, { request: 'debug/' }] },
      {
        path: 'pages/index/index.js',
        deps: [{ request: '../../taro.js' }, { request: './gone.js', error: 'Couldn\'t resolve "./gone.js"' }],
      },
      { path: 'app.wxss', deps: [], buildError: 'Unexpected "}"' },
    ],
  };

  it('sizes each package, main first, with its largest files', () => {
    const { packages, references } = summariseAnalysis(result);
    expect(packages).toEqual([
      {
        name: MAIN_PACKAGE,
        bytes: 860,
        files: 4,
        largest: [
          { path: 'taro.js', bytes: 500 },
          { path: 'app.js', bytes: 300 },
          { path: 'pages/index/index.js', bytes: 40 },
        ],
      },
      { name: 'debug/', bytes: 7, files: 1, largest: [{ path: 'debug/pages/env/index.js', bytes: 7 }] },
    ]);
    expect(references).toBe(4);
  });

  it('names every reference that does not resolve, and every file it could not read', () => {
    expect(unresolvedLines(summariseAnalysis(result))).toEqual([
      'pages/index/index.js refers to "./gone.js", which does not resolve (Couldn\'t resolve "./gone.js")',
      'app.wxss: Unexpected "}"',
    ]);
    expect(summariseAnalysis({ files: result.files, modules: result.modules.slice(0, 1) }).unresolved).toEqual([]);
  });
});
