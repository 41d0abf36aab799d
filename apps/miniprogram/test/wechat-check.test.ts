/**
 * The production weapp as WeChat sees it (turbo runs build:weapp:check before these tests):
 * compiled by WeChat's own compiler with the committed project settings, every package within
 * the 2 MB cap phones enforce, and every item of DevTools' code quality scan passing. And how
 * WeChat counts a package, on made-up files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJson } from '../config/files';
import { MAIN_PACKAGE, oversizedPackages, packageSizes, WECHAT_PACKAGE_LIMIT_BYTES } from '../config/wechat-package-size';
import type { WeChatCheckReport } from '../scripts/wechat-check';
import { appRoot, checkBuildDir, requireCheckBuild } from './support/check-build';
import { runTsx } from './support/commands';

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

describe('the production weapp, compiled by WeChat (npm run check:wechat)', () => {
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
    expect(report.packages.map((size) => size.name)).toContain('debug/');
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
    expect(report.failures).toEqual([]);
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
