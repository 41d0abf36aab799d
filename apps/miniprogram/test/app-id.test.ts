/**
 * TARO_APP_ID: checked before a build starts, and the two files DevTools reads agree with what
 * Taro writes into dist (project.private.config.json carries the appid when set, none when unset).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRIVATE_PROJECT_CONFIG, readAppId, syncPrivateProjectConfig } from '../config/app-id';
import { readJson } from '../config/files';
import { appRoot } from './support/check-build';
import { failedWeappBuild } from './support/commands';

const APP_ID = 'wx0123456789abcdef';
const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function appFolder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'app-id-'));
  folders.push(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.0.0' }));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), content);
  return dir;
}

const privateConfig = (dir: string) => readJson<Record<string, unknown>>(path.join(dir, PRIVATE_PROJECT_CONFIG));

describe('TARO_APP_ID', () => {
  it('accepts wx and 16 lowercase hex digits, and nothing (the tourist appid)', () => {
    expect(readAppId(APP_ID)).toEqual({ ok: true, appId: APP_ID });
    expect(readAppId(undefined)).toEqual({ ok: true, appId: null });
    expect(readAppId('')).toEqual({ ok: true, appId: null });
  });

  it.each(['wx123', 'wx0123456789ABCDEF', 'wx0123456789abcdef0', 'wx0123456789abcdeg', 'touristappid', ' wx0123456789abcdef'])(
    'refuses %j',
    (value) => {
      const result = readAppId(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toContain(`"${value}" is not a WeChat appid`);
    },
  );
});

describe('a weapp build with a malformed TARO_APP_ID', () => {
  it('stops before compiling, naming TARO_APP_ID', { timeout: 60_000 }, async () => {
    const domains = {
      TARO_APP_API_DEVELOP: 'https://api.shop.cn',
      TARO_APP_API_TRIAL: 'https://api.shop.cn',
      TARO_APP_API_RELEASE: 'https://api.shop.cn',
    };
    const privateFile = path.join(appRoot, PRIVATE_PROJECT_CONFIG);
    const privateBefore = existsSync(privateFile) ? readFileSync(privateFile, 'utf8') : null;
    // TARO_APP_ID from the environment, which takes precedence over the env files (Taro's rule).
    const output = await failedWeappBuild('bad-app-id-test', domains, { TARO_APP_ID: 'wx123' });
    expect(output, 'the build should have failed').not.toBeNull();
    expect(output).toContain('TARO_APP_ID: "wx123" is not a WeChat appid');
    // Stopped before anything was written for DevTools.
    expect(existsSync(privateFile) ? readFileSync(privateFile, 'utf8') : null).toBe(privateBefore);
  });
});

describe('project.private.config.json', () => {
  it('gets the appid, next to the settings DevTools keeps there', () => {
    const dir = appFolder({ [PRIVATE_PROJECT_CONFIG]: JSON.stringify({ setting: { urlCheck: false } }) });
    syncPrivateProjectConfig(dir, APP_ID);
    expect(privateConfig(dir)).toEqual({ setting: { urlCheck: false }, appid: APP_ID });
    syncPrivateProjectConfig(dir, 'wx00000000000000ff');
    expect(privateConfig(dir).appid).toBe('wx00000000000000ff');
  });

  it('keeps no stale appid once TARO_APP_ID is unset (dist says touristappid then)', () => {
    const dir = appFolder({ [PRIVATE_PROJECT_CONFIG]: JSON.stringify({ appid: APP_ID, setting: { urlCheck: false } }) });
    syncPrivateProjectConfig(dir, null);
    expect(privateConfig(dir)).toEqual({ setting: { urlCheck: false } });
  });

  it('is removed when the appid was all it said, and not created for nothing', () => {
    const dir = appFolder();
    syncPrivateProjectConfig(dir, null);
    expect(existsSync(path.join(dir, PRIVATE_PROJECT_CONFIG))).toBe(false);
    syncPrivateProjectConfig(dir, APP_ID);
    expect(privateConfig(dir)).toEqual({ appid: APP_ID });
    syncPrivateProjectConfig(dir, null);
    expect(existsSync(path.join(dir, PRIVATE_PROJECT_CONFIG))).toBe(false);
  });
});
