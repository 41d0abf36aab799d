/** The app's commands as a developer runs them from a shell: its scripts (tsx) and Taro builds. */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildProcessEnv } from '../../config/build-process';
import { appRoot } from './check-build';

const run = promisify(execFile);
const bin = (name: string) => path.join(appRoot, '../../node_modules/.bin', name);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr, one after the other. */
  output: string;
}

/** The lines of an env file. */
export function envFile(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => `${name}=${value}`)
    .join('\n');
}

/**
 * `tsx <args>` in the app's folder, to its end, whatever its exit code; `env` over this process's
 * environment (a variable set to undefined is left out).
 */
export async function runTsx(args: string[], env: Record<string, string | undefined> = {}): Promise<CommandResult> {
  const { code, stdout, stderr } = await run(bin('tsx'), args, { cwd: appRoot, env: buildProcessEnv(env) }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
  return { code, stdout, stderr, output: stdout + stderr };
}

/**
 * The production weapp build of `mode` (`taro build --type weapp --mode <mode>`), with `variables`
 * in .env.<mode>.local (ignored by git, removed right after) and `env` over this process's
 * environment. Resolves to the build's output when it fails, to null when it succeeds.
 */
export async function failedWeappBuild(
  mode: string,
  variables: Record<string, string>,
  env: Record<string, string> = {},
): Promise<string | null> {
  const localEnvFile = path.join(appRoot, `.env.${mode}.local`);
  writeFileSync(localEnvFile, envFile(variables));
  try {
    return await run(bin('taro'), ['build', '--type', 'weapp', '--mode', mode], {
      cwd: appRoot,
      env: buildProcessEnv({ NODE_ENV: 'production', ...env }),
    }).then(
      () => null,
      (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
    );
  } finally {
    rmSync(localEnvFile, { force: true });
  }
}
