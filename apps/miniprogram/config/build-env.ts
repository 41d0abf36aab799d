/**
 * The client config of a build: Taro's own env-file parser (so the values are exactly the ones
 * Taro inlines), then the shared schema. Used by config/index.ts and by check:domains.
 */
import type * as Shared from '@app/shared';
import type { ClientEnv, DomainViolation } from '@app/shared';
import { dotenvParse } from '@tarojs/helper';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';
import { readAppId } from './app-id';
import { readJson } from './files';

// Taro loads this file as CommonJS; packages/shared is ESM TypeScript. tsx bridges the two, so the
// build validates with the very schema the app and the server use.
const { clientEnvVariables, domainReport, parseClientEnv } = tsxRequire('@app/shared', __filename) as typeof Shared;

export interface BuildEnv {
  env: ClientEnv;
  /** For Taro's `env` option: `process.env.<KEY>` → JSON literal. */
  defines: Record<string, string>;
  /** TARO_APP_ID, when the env files or the environment set one (checked: wx + 16 hex digits). */
  appId: string | null;
}

/** package.json's version, and the commit when there is one: 0.1.0+3f2a9c1. */
function buildVersion(appRoot: string): string {
  const { version } = readJson<{ version: string }>(path.join(appRoot, 'package.json'));
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: appRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    return `${version}+${commit.toString().trim()}`;
  } catch {
    return version;
  }
}

export class BuildEnvError extends Error {
  constructor(mode: string, problems: ReadonlyArray<{ variable: string; message: string }>) {
    super(
      [
        `Invalid client config for build mode "${mode}" (fix .env.${mode} or .env.${mode}.local):`,
        ...problems.map((p) => `  ${p.variable}: ${p.message}`),
      ].join('\n'),
    );
    this.name = 'BuildEnvError';
  }
}

export function loadBuildEnv(appRoot: string, mode: string, production: boolean): BuildEnv {
  const variables = dotenvParse(appRoot, ['TARO_APP_'], mode);
  const version = buildVersion(appRoot);
  const result = parseClientEnv(variables, { mode, production, version });
  // The value Taro writes into dist's project.config.json: the environment's, else the files'.
  const appId = readAppId(variables.TARO_APP_ID ?? process.env.TARO_APP_ID);
  if (!result.ok || !appId.ok) {
    throw new BuildEnvError(mode, [
      ...(result.ok ? [] : result.problems),
      ...(appId.ok ? [] : [{ variable: 'TARO_APP_ID', message: appId.message }]),
    ]);
  }

  const defines: Record<string, string> = { BUILD_MODE: JSON.stringify(mode), BUILD_VERSION: JSON.stringify(version) };
  // Variables the app reads but the files leave out become '' rather than an undefined global.
  for (const name of Object.values(clientEnvVariables)) defines[name] = JSON.stringify(variables[name] ?? '');
  return { env: result.env, defines, appId: appId.appId };
}

/**
 * The build mode of the production build that the size, syntax and WeChat compiler checks inspect
 * (`npm run build:weapp:check`, into dist/weapp-check). It is built from the template's placeholder
 * domains, which only this mode accepts: no other build can ship with api.example.com.
 */
export const CHECK_MODE = 'check';

/** The violations that stop a build of this mode (all of them, but placeholders in the check build). */
export function refusedViolations<V extends DomainViolation>(violations: readonly V[], mode: string): V[] {
  return violations.filter((violation) => !(mode === CHECK_MODE && violation.rule === 'placeholder'));
}

/** One line per domain WeChat would refuse; empty when the build may ship. */
export function domainProblems(env: ClientEnv, mode: string): string[] {
  return domainReport(env).entries.flatMap((entry) =>
    refusedViolations(entry.violations, mode).map(
      (violation) => `  ${entry.envVersion} (${clientEnvVariables[entry.envVersion]}) ${entry.url}: ${violation.message}`,
    ),
  );
}
