/**
 * The weapp's build modes as preview and upload see them (scripts/mp-release.ts): how each is
 * built, where it goes, and which miniprogram-ci robot previews and uploads it; and the checks of
 * the release's flags (version, robot).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { buildOutputRoot } from './build-output';

/**
 * The robot (1 to 30) miniprogram-ci signs as. WeChat lists each robot as its own uploader
 * (ci机器人N) in 版本管理, with its own 开发版, so a robot per environment keeps a development
 * preview from replacing the release candidate: development 1, every other mode (check, staging,
 * testing) 2, production 3.
 */
export const ROBOTS = { development: 1, other: 2, production: 3 } as const;

export function defaultRobot(mode: string): number {
  return mode === 'development' ? ROBOTS.development : mode === 'production' ? ROBOTS.production : ROBOTS.other;
}

/** The weapp folder a mode builds into, relative to the app. */
export const weappOutputRoot = (mode: string): string => buildOutputRoot('weapp', mode);

export interface WeappBuild {
  /** What a developer would run, for messages. */
  command: string;
  /** The same as a process to start from the app's folder: node, then these arguments. */
  args: string[];
  /** NODE_ENV for the build. */
  nodeEnv: 'development' | 'production';
}

/**
 * How a mode's weapp is built: development is the watch build stopped after its first compilation
 * (what `npm run dev` writes), production is `taro build --type weapp`, any other mode
 * `taro build --type weapp --mode <mode>`; all but development are production builds (minified).
 */
export function weappBuild(mode: string, resolve: (id: string) => string = require.resolve): WeappBuild {
  if (mode === 'development') {
    return {
      command: 'npm run build:weapp:dev-once',
      args: [resolve('tsx/cli'), path.join(__dirname, '../scripts/build-dev-weapp-once.ts')],
      nodeEnv: 'development',
    };
  }
  const taro = resolve('@tarojs/cli/bin/taro');
  if (mode === 'production') return { command: 'npm run build:weapp', args: [taro, 'build', '--type', 'weapp'], nodeEnv: 'production' };
  const command = mode === 'check' ? 'npm run build:weapp:check' : `npx taro build --type weapp --mode ${mode}`;
  return { command, args: [taro, 'build', '--type', 'weapp', '--mode', mode], nodeEnv: 'production' };
}

/** The build modes that have an env file (.env.<mode> or .env.<mode>.local), development and production first. */
export function envFileModes(appRoot: string): string[] {
  const modes = new Set(['development', 'production']);
  for (const name of readdirSync(appRoot)) {
    const match = /^\.env\.([\w-]+?)(\.local)?$/.exec(name);
    if (match?.[1] && match[1] !== 'local') modes.add(match[1]);
  }
  return [...modes];
}

export function hasEnvFile(appRoot: string, mode: string): boolean {
  return existsSync(path.join(appRoot, `.env.${mode}`)) || existsSync(path.join(appRoot, `.env.${mode}.local`));
}

/** How to build the weapp folder `dir`, for a message: the mode whose output it is, else every way. */
export function buildCommandForFolder(appRoot: string, dir: string): string {
  const relative = path.relative(appRoot, dir).split(path.sep).join('/');
  if (relative === weappOutputRoot('production')) {
    return `npm run build:weapp (the release build) or npm run build:weapp:dev-once (the development build, as npm run dev writes it)`;
  }
  const mode = /^dist\/weapp-([\w-]+)$/.exec(relative)?.[1];
  return mode ? weappBuild(mode).command : 'npm run build:weapp, build:weapp:check or build:weapp:dev-once, then pass its folder';
}

/** x.y.z, each a number without leading zeros: the version WeChat shows in 版本管理. */
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export function checkVersion(value: string | undefined): Checked<string> {
  if (value === undefined || value === '') {
    return {
      ok: false,
      message: '--version is required for an upload: the version WeChat shows in 版本管理, x.y.z (e.g. --version 1.2.0).',
    };
  }
  if (!VERSION.test(value)) {
    return { ok: false, message: `--version "${value}" is not x.y.z (three numbers without leading zeros, e.g. 1.2.0).` };
  }
  return { ok: true, value };
}

export function checkRobot(value: string | undefined, mode: string): Checked<number> {
  if (value === undefined) return { ok: true, value: defaultRobot(mode) };
  const robot = Number(value);
  if (!Number.isInteger(robot) || robot < 1 || robot > 30) {
    return { ok: false, message: `--robot "${value}" is not a robot number: miniprogram-ci has robots 1 to 30.` };
  }
  return { ok: true, value: robot };
}

/** How long a default description gets: a note in 版本管理's list, not a changelog. */
export const DEFAULT_DESCRIPTION_CHARS = 100;

/** The default description of a preview or upload: the last commit's subject, shortened; null outside git. */
export function defaultDescription(cwd: string): string | null {
  let subject: string;
  try {
    subject = execFileSync('git', ['log', '-1', '--format=%s'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
  if (subject === '') return null;
  const chars = [...subject];
  return chars.length <= DEFAULT_DESCRIPTION_CHARS
    ? subject
    : `${chars
        .slice(0, DEFAULT_DESCRIPTION_CHARS - 1)
        .join('')
        .trimEnd()}…`;
}
