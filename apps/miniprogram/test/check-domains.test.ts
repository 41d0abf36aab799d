/**
 * `npm run check:domains` as a developer runs it, on env files written for each case; and the
 * production weapp build refusing a domain WeChat would refuse.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { envFile, failedWeappBuild, runTsx } from './support/commands';

const folders: string[] = [];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

function checkDomains(variables: Record<string, string>, mode = 'production') {
  const dir = mkdtempSync(path.join(tmpdir(), 'check-domains-'));
  folders.push(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: '1.0.0' }));
  writeFileSync(path.join(dir, `.env.${mode}`), envFile(variables));
  return runTsx(['scripts/check-domains.ts', '--mode', mode, '--dir', dir]);
}

const GOOD = {
  TARO_APP_API_DEVELOP: 'http://127.0.0.1:3000',
  TARO_APP_API_TRIAL: 'https://trial.shop.cn',
  TARO_APP_API_RELEASE: 'https://api.shop.cn/',
};

describe('npm run check:domains', () => {
  it('passes good domains and prints what to paste into the admin console', async () => {
    const { code, stdout } = await checkDomains(GOOD);
    expect(code).toBe(0);
    // A production build never reaches the develop URL, so its 127.0.0.1 is no violation.
    expect(stdout).toContain('checking trial, release');
    expect(stdout).toMatch(/request 合法域名: +https:\/\/trial\.shop\.cn https:\/\/api\.shop\.cn/);
    expect(stdout).toMatch(/uploadFile 合法域名: +https:\/\/trial\.shop\.cn/);
    expect(stdout).toMatch(/downloadFile 合法域名: +https:\/\/trial\.shop\.cn/);
  });

  it.each([
    ['plain http', 'http://api.shop.cn', 'protocol'],
    ['an IP address', 'https://203.0.113.7', 'ip'],
    ['localhost', 'https://localhost', 'localhost'],
    ['an explicit :443 that is not registered', 'https://api.shop.cn:443', 'port'],
    ['an unregistered port', 'https://api.shop.cn:8443', 'port'],
  ])('rejects %s', async (_name, url, rule) => {
    const { code, output } = await checkDomains({ ...GOOD, TARO_APP_API_RELEASE: url });
    expect(code).toBe(1);
    expect(output).toContain(`FAIL release  ${url.toLowerCase()}`);
    expect(output).toContain(`${rule}: `);
    expect(output).toContain('domain(s) WeChat would refuse');
  });

  it('refuses the template placeholders (api.example.com) in a production build', async () => {
    const { code, output } = await checkDomains({ ...GOOD, TARO_APP_API_RELEASE: 'https://api.example.com' });
    expect(code).toBe(1);
    expect(output).toContain('FAIL release  https://api.example.com');
    expect(output).toContain('placeholder: ');
  });

  it('accepts them in mode "check", the build the checks inspect, which never ships', async () => {
    const { code, output } = await checkDomains({ ...GOOD, TARO_APP_API_RELEASE: 'https://api.example.com' }, 'check');
    expect(code).toBe(0);
    expect(output).toContain('allowed in mode "check"');
  });

  it('accepts a port registered in the admin console', async () => {
    const { code } = await checkDomains({
      ...GOOD,
      TARO_APP_API_RELEASE: 'https://api.shop.cn:8443',
      TARO_APP_REGISTERED_PORTS: '8443',
    });
    expect(code).toBe(0);
  });

  it('checks the develop domain too in a development build', async () => {
    const { code, output } = await checkDomains(GOOD, 'development');
    expect(code).toBe(1);
    expect(output).toContain('FAIL develop');
  });

  it('names the variable when a value is not a URL at all', async () => {
    const { code, output } = await checkDomains({ ...GOOD, TARO_APP_API_TRIAL: 'trial.shop.cn' });
    expect(code).toBe(1);
    expect(output).toContain('TARO_APP_API_TRIAL');
    expect(output).toContain('.env.production');
  });
});

describe('the production weapp build', () => {
  it.each([
    ['an IP address', 'http://10.0.0.8:8080'],
    ["the template's placeholder", 'https://api.example.com'],
  ])('stops before compiling when a domain would be refused: %s', async (_name, url) => {
    const mode = 'bad-domains-test';
    const output = await failedWeappBuild(mode, { ...GOOD, TARO_APP_API_RELEASE: url });
    expect(output, 'the build should have failed').not.toBeNull();
    expect(output).toContain('domains WeChat would refuse');
    expect(output).toContain(`release (TARO_APP_API_RELEASE) ${url}`);
    expect(output).toContain(`.env.${mode}.local`);
  });
});
