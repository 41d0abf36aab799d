/**
 * npm run mp:preview / mp:upload (scripts/mp-release.ts): its help says what to do in the admin
 * console; what it refuses, it refuses before any build, one line per problem; a dry run on the
 * check build (turbo builds it before these tests) compiles it with WeChat's compiler, reports the
 * sizes and sends nothing. And the checks behind them, on made-up values.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IP_ALLOW_LIST_STEPS, readUploadKey, UPLOAD_KEY_STEPS } from '../config/upload-key';
import { checkRobot, checkVersion, defaultRobot, envFileModes, weappBuild, weappOutputRoot } from '../config/weapp-release';
import { checkBuildDir, copyCheckBuild, hashNamedLitter, requireCheckBuild } from './support/check-build';
import { runTsx } from './support/commands';

const APP_ID = 'wx0123456789abcdef';
const scratch = mkdtempSync(path.join(tmpdir(), 'mp-release-'));
const folders = [scratch];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

/** An RSA key as the admin console hands it out: PKCS#1 PEM, named private.<appid>.key. */
const keyFile = path.join(scratch, `private.${APP_ID}.key`);
const notAKey = path.join(scratch, 'not-a-key.key');
beforeAll(() => {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  writeFileSync(keyFile, privateKey);
  writeFileSync(notAKey, 'AppSecret: 0123456789abcdef0123456789abcdef\n');
});

const release = (args: string[], env: Record<string, string | undefined>) => runTsx(['scripts/mp-release.ts', ...args], env);

describe('npm run mp:preview / mp:upload -- --help', () => {
  it('explains the admin-console steps, the key, the robots and the QR file', async () => {
    const { code, stdout } = await release(['preview', '--help'], {});
    expect(code).toBe(0);
    expect(stdout).toContain(UPLOAD_KEY_STEPS);
    expect(stdout).toContain(IP_ALLOW_LIST_STEPS);
    expect(stdout).toContain('MP_PRIVATE_KEY_PATH');
    expect(stdout).toMatch(/development +robot 1 /);
    expect(stdout).toMatch(/production +robot 3 /);
    expect(stdout).toMatch(/check, <m> +robot 2 /);
    expect(stdout).toContain('dist/preview-qr-<mode>.jpg');
  });
});

describe('refusals, before any build', () => {
  const valid = { MP_PRIVATE_KEY_PATH: keyFile, TARO_APP_ID: APP_ID };
  const cases: Array<[string, string[], Record<string, string | undefined>, RegExp]> = [
    [
      'without MP_PRIVATE_KEY_PATH',
      ['preview'],
      { ...valid, MP_PRIVATE_KEY_PATH: undefined },
      /^MP_PRIVATE_KEY_PATH is not set: .*生成上传密钥/,
    ],
    [
      'with MP_PRIVATE_KEY_PATH naming no file',
      ['preview'],
      { ...valid, MP_PRIVATE_KEY_PATH: path.join(scratch, 'missing.key') },
      /^MP_PRIVATE_KEY_PATH=.*missing\.key: no such file; /,
    ],
    [
      'with a key file that is no PEM key',
      ['preview'],
      { ...valid, MP_PRIVATE_KEY_PATH: notAKey },
      /^MP_PRIVATE_KEY_PATH=.* is not a PEM private key/,
    ],
    ['with a version that is not x.y.z', ['upload', '--version', '1.2'], valid, /^--version "1\.2" is not x\.y\.z/],
    [
      'with the tourist appid',
      ['preview'],
      { ...valid, TARO_APP_ID: undefined },
      /^TARO_APP_ID is not set: the tourist appid can neither preview nor upload/,
    ],
  ];

  it.each(cases)('refuses %s: exit 1, one line saying what to fix, no build', async (_name, args, env, line) => {
    requireCheckBuild(path.join(checkBuildDir, 'app.js'));
    const builtAt = statSync(path.join(checkBuildDir, 'app.js')).mtimeMs;
    // Mode check's env file sets no TARO_APP_ID, so the environment decides it.
    const { code, stdout, stderr } = await release([...args, '--mode', 'check', '--desc', '测试'], env);
    expect(code, stdout + stderr).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(line);
    expect(lines[1]).toMatch(/^Refused: nothing was built or sent to WeChat/);
    expect(stdout).not.toContain('Building');
    expect(statSync(path.join(checkBuildDir, 'app.js')).mtimeMs).toBe(builtAt);
  });
});

describe('a dry run of mp:preview on an already built folder', () => {
  it('compiles it with WeChat’s compiler, reports the sizes, sends nothing and leaves no litter', { timeout: 120_000 }, async () => {
    const dir = copyCheckBuild({ appId: APP_ID });
    folders.push(path.dirname(dir));
    const qr = path.join(scratch, 'qr.jpg');
    const { code, stdout, output } = await release(['preview', '--mode', 'check', '--dir', dir, '--qr', qr, '--dry-run'], {
      MP_PRIVATE_KEY_PATH: keyFile,
      TARO_APP_ID: APP_ID,
    });
    expect(code, output).toBe(0);
    expect(stdout).toContain(`preview of mode check (${APP_ID}, robot 2)`);
    expect(stdout).not.toContain('Building');
    expect(stdout).toMatch(/Compiled by WeChat's compiler in [\d.]+ s/);
    expect(stdout).toMatch(/ok {4}main package \(__APP__\) +[\d.]+ KiB/);
    expect(stdout).toMatch(/ok {4}subpackage debug\/ +[\d.]+ KiB/);
    expect(stdout).toContain(`Dry run: nothing was sent to WeChat`);
    expect(stdout).toContain(`write the QR code to ${qr}`);
    expect(existsSync(qr)).toBe(false);
    expect(hashNamedLitter()).toEqual([]);
  });
});

describe('what preview and upload check, on made-up values', () => {
  it('accepts x.y.z versions only', () => {
    expect(checkVersion('1.2.0')).toEqual({ ok: true, value: '1.2.0' });
    expect(checkVersion('10.0.12').ok).toBe(true);
    for (const bad of [undefined, '', '1.2', '1.2.3.4', 'v1.2.3', '01.2.3', '1.2.3-beta']) expect(checkVersion(bad).ok, bad).toBe(false);
  });

  it('gives each environment its robot, overridable within 1 to 30', () => {
    expect(['development', 'check', 'staging', 'production'].map(defaultRobot)).toEqual([1, 2, 2, 3]);
    expect(checkRobot(undefined, 'production')).toEqual({ ok: true, value: 3 });
    expect(checkRobot('30', 'production')).toEqual({ ok: true, value: 30 });
    for (const bad of ['0', '31', '2.5', 'two']) expect(checkRobot(bad, 'check').ok, bad).toBe(false);
  });

  it('builds each mode where config/index.ts puts it', () => {
    expect(['development', 'production', 'check'].map(weappOutputRoot)).toEqual(['dist/weapp', 'dist/weapp', 'dist/weapp-check']);
    const resolve = (id: string) => `<${id}>`;
    expect(weappBuild('production', resolve)).toMatchObject({
      args: ['<@tarojs/cli/bin/taro>', 'build', '--type', 'weapp'],
      nodeEnv: 'production',
    });
    expect(weappBuild('check', resolve).args.slice(-2)).toEqual(['--mode', 'check']);
    expect(weappBuild('development', resolve)).toMatchObject({ command: 'npm run build:weapp:dev-once', nodeEnv: 'development' });
    expect(envFileModes(path.join(__dirname, '..'))).toEqual(expect.arrayContaining(['development', 'production', 'check']));
  });

  it('reads the upload key: a PEM private key, for the appid its file name says', () => {
    const cwd = scratch;
    const refusal = (value: string | undefined, appId?: string) => {
      const result = readUploadKey(value, { cwd, appId: appId ?? null });
      return result.ok ? `accepted ${result.path}` : result.message;
    };
    expect(readUploadKey(keyFile, { cwd, appId: APP_ID })).toEqual({ ok: true, path: keyFile });
    expect(readUploadKey(path.basename(keyFile), { cwd, appId: APP_ID })).toEqual({ ok: true, path: keyFile });
    expect(refusal(undefined)).toMatch(/^MP_PRIVATE_KEY_PATH is not set/);
    expect(refusal(' ')).toMatch(/^MP_PRIVATE_KEY_PATH is not set/);
    expect(refusal(scratch)).toMatch(/: no such file; /);
    expect(refusal(notAKey)).toMatch(/ is not a PEM private key /);
    expect(refusal(keyFile, 'wx00000000000000ff')).toMatch(/upload key of wx0123456789abcdef, but TARO_APP_ID is wx00000000000000ff/);
  });
});
