/**
 * The production weapp build the tests inspect: `npm run build:weapp:check` into dist/weapp-check,
 * which turbo runs before `npm test`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const appRoot = path.resolve(__dirname, '../..');
export const checkBuildDir = path.join(appRoot, 'dist/weapp-check');
/** The size report the build writes beside its folder. */
export const checkBuildSizeReport = `${checkBuildDir}-size.json`;

/** Fails the test, saying how to build, when `file` (a part of the check build) is missing. */
export function requireCheckBuild(file: string = checkBuildDir): void {
  if (!existsSync(file)) throw new Error('No production weapp build: run `npm run build:weapp:check` (turbo runs it before `npm test`).');
}
