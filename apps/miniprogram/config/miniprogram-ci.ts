/**
 * miniprogram-ci (WeChat's compiler and upload client, extracted from DevTools), run the way the
 * scripts need it: the check (offline), preview and upload share this.
 *
 * What it needs help with:
 * - Litter. Its compiler keeps a cache folder named md5(`<project path>|summer`) relative to the
 *   working directory (SummerCompilerFactory.ensureCacheDir: `path.join("", md5)`), so every
 *   compile left an empty folder like `c1abd5de183e3ef3e07b65b072d0941e` wherever it ran. A
 *   session runs in a scratch working directory under the system's temp folder, removed at its end.
 * - Offline compiles. A project's attributes (size caps and the like) come from WeChat's servers,
 *   signed with the upload key: an offline project gets WeChat's defaults instead, so nothing is
 *   asked for. It also insists on a private key file, which compiling never reads: a dummy one
 *   will do when there is no real one.
 * - Talk. It logs through console.log/info/debug/warn/error as soon as it is loaded, and fetches
 *   its list of allowed file extensions (offline: the one `getaddrinfo` error it logs, then its
 *   built-in list). A session captures all of it into `log`; `print` writes past the capture.
 * - Exit. It leaves a file watcher and a compiler process behind: a process that used it must
 *   call process.exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as MiniprogramCiModule from 'miniprogram-ci';
import { readJson } from './files';

export type MiniprogramCi = typeof MiniprogramCiModule;
export type CiProject = InstanceType<MiniprogramCi['Project']>;

/** WeChat's appid for projects that have none; it can compile, never preview or upload. */
export const TOURIST_APP_ID = 'touristappid';

export interface CiSession {
  ci: MiniprogramCi;
  /** Prints a line to stdout, past the capture of miniprogram-ci's console output. */
  print: (line: string) => void;
  /** Prints a line to stderr, past the capture. */
  printError: (line: string) => void;
  /**
   * A project miniprogram-ci compiles, scans and analyses offline (WeChat's default attributes).
   * The appid is `appId`, else the folder's project.config.json's; the key is `privateKeyPath`,
   * else a dummy: compiling never signs anything.
   */
  offlineProject(projectDir: string, options?: { appId?: string; privateKeyPath?: string }): CiProject;
  /** A project for preview and upload: miniprogram-ci asks WeChat for its attributes, signed with the key. */
  onlineProject(projectDir: string, appId: string, privateKeyPath: string): CiProject;
}

/** The appid in a built folder's project.config.json (the tourist one when it has none). */
export function builtAppId(projectDir: string): string {
  return readJson<{ appid?: string }>(path.join(projectDir, 'project.config.json')).appid ?? TOURIST_APP_ID;
}

function formatArg(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg instanceof Error) return arg.stack ?? arg.message;
  try {
    return JSON.stringify(arg);
  } catch {
    return String(arg);
  }
}

/**
 * Runs `work` with miniprogram-ci loaded, in a scratch working directory, its console output
 * captured into `log`. Paths handed to miniprogram-ci must be absolute: the working directory is
 * not the caller's while `work` runs.
 */
export async function withMiniprogramCi<T>(log: string[], work: (session: CiSession) => Promise<T>): Promise<T> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'miniprogram-ci-'));
  const dummyKeyPath = path.join(workDir, 'dummy-upload.key');
  writeFileSync(dummyKeyPath, 'unused: compiling, scanning and analysing never sign anything\n');

  const methods = ['log', 'info', 'debug', 'warn', 'error'] as const;
  const saved = methods.map((method) => [method, Object.getOwnPropertyDescriptor(console, method)] as const);
  const print = console.log.bind(console);
  const printError = console.error.bind(console);
  const callerCwd = process.cwd();
  process.chdir(workDir);
  for (const method of methods) console[method] = (...args: unknown[]) => log.push(args.map(formatArg).join(' '));
  try {
    // Loaded here, inside the capture: it logs as soon as it is loaded.
    const ci = await import('miniprogram-ci');
    const newProject = (projectDir: string, appId: string, privateKeyPath: string) =>
      new ci.Project({ appid: appId, type: 'miniProgram', projectPath: projectDir, privateKeyPath });
    return await work({
      ci,
      print,
      printError,
      offlineProject(projectDir, options = {}) {
        const project = newProject(projectDir, options.appId ?? builtAppId(projectDir), options.privateKeyPath ?? dummyKeyPath);
        (project as unknown as { _attr: unknown })._attr = JSON.parse(JSON.stringify(ci.DefaultProjectAttr)) as unknown;
        return project;
      },
      onlineProject: newProject,
    });
  } finally {
    for (const [method, descriptor] of saved) if (descriptor) Object.defineProperty(console, method, descriptor);
    process.chdir(callerCwd);
    rmSync(workDir, { recursive: true, force: true });
  }
}
