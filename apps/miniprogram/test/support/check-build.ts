/**
 * The production weapp build the tests inspect: `npm run build:weapp:check` into dist/weapp-check,
 * which turbo runs before `npm test`.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJson } from '../../config/files';

export const appRoot = path.resolve(__dirname, '../..');
export const checkBuildDir = path.join(appRoot, 'dist/weapp-check');
/** The size report the build writes beside its folder. */
export const checkBuildSizeReport = `${checkBuildDir}-size.json`;

/** Fails the test, saying how to build, when `file` (a part of the check build) is missing. */
export function requireCheckBuild(file: string = checkBuildDir): void {
  if (!existsSync(file)) throw new Error('No production weapp build: run `npm run build:weapp:check` (turbo runs it before `npm test`).');
}

/**
 * A copy of the check build in a new folder under the system's temp folder, for tests that change
 * it or need another appid; the caller removes it (the returned folder's parent).
 */
export function copyCheckBuild(options: { appId?: string } = {}): string {
  requireCheckBuild(path.join(checkBuildDir, 'project.config.json'));
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'weapp-check-copy-')), 'weapp');
  cpSync(checkBuildDir, dir, { recursive: true });
  if (options.appId) {
    const file = path.join(dir, 'project.config.json');
    writeFileSync(file, `${JSON.stringify({ ...readJson<Record<string, unknown>>(file), appid: options.appId }, null, 2)}\n`);
  }
  return dir;
}

/** Folders named like an md5 hash in the app's folder: what miniprogram-ci's compiler cache left there before it ran elsewhere. */
export function hashNamedLitter(): string[] {
  return readdirSync(appRoot).filter((name) => /^[0-9a-f]{32}$/.test(name));
}
