/**
 * WeChat's own compiler, miniprogram-ci (extracted from DevTools), run offline on a built weapp
 * folder: the files preview and upload would send, and DevTools' code quality scan (代码质量).
 *
 * It runs with the folder's project.config.json settings (`useProjectConfig`), as DevTools does,
 * so `minified`, `minifyWXML` and `minifyWXSS` there decide whether WeChat compresses the code.
 *
 * Offline, three things need help:
 * - the project's attributes (size caps and the like) come from WeChat's servers, signed with
 *   the upload key: we hand it WeChat's defaults instead, so nothing is asked for;
 * - it insists on a private key file, which these calls never read: a dummy one will do;
 * - it fetches its list of allowed file extensions, fails (the one `getaddrinfo` error it
 *   logs) and falls back to its built-in list; and it leaves a file watcher and a compiler
 *   process behind, so the process that calls it must exit explicitly.
 * Its log lines are captured into `options.log` rather than mixed into ours.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJson, subpackageRoots } from './files';

export interface QualityItem {
  /** PACKAGE_SIZE_LIMIT, JS_COMPRESS_OPEN, WXML_COMPRESS_OPEN, ... */
  name: string;
  success: boolean;
  /** What the item checks (the same text whether it passed or not). */
  text: string;
  detail?: unknown;
}

export interface WeChatCompilation {
  /** Compiled files as preview and upload would send them (path → content), source maps included. */
  files: Record<string, string | Buffer>;
  /** Subpackage roots from the folder's app.json (`debug/`). */
  subpackageRoots: string[];
  /** Missing when the scan was not asked for. */
  quality?: QualityItem[];
}

interface ProjectConfigJson {
  appid?: string;
  miniprogramRoot?: string;
}

/** Runs `work` with console output captured: miniprogram-ci talks through console.log/debug/info. */
async function capturingConsole<T>(log: string[], work: () => Promise<T>): Promise<T> {
  const methods = ['log', 'info', 'debug', 'warn', 'error'] as const;
  const saved = methods.map((method) => Object.getOwnPropertyDescriptor(console, method));
  const capture = (...args: unknown[]) => {
    log.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  };
  for (const method of methods) console[method] = capture;
  try {
    return await work();
  } finally {
    methods.forEach((method, index) => Object.defineProperty(console, method, saved[index]!));
  }
}

/**
 * Compiles `projectDir` (a folder with project.config.json, such as dist/weapp) as WeChat would
 * for preview and upload, and runs the code quality scan when `checkQuality` is set.
 */
export async function compileWithWeChat(projectDir: string, options: { checkQuality: boolean; log: string[] }): Promise<WeChatCompilation> {
  const projectConfig = readJson<ProjectConfigJson>(path.join(projectDir, 'project.config.json'));
  const roots = subpackageRoots(path.join(projectDir, projectConfig.miniprogramRoot ?? ''));

  const keyDir = mkdtempSync(path.join(tmpdir(), 'wechat-check-'));
  const privateKeyPath = path.join(keyDir, 'private.key');
  writeFileSync(privateKeyPath, 'unused: compiling and scanning never sign anything\n');
  try {
    return await capturingConsole(options.log, async () => {
      // Loaded here: it logs as soon as it is loaded.
      const ci = await import('miniprogram-ci');
      const project = new ci.Project({
        appid: projectConfig.appid ?? 'touristappid',
        type: 'miniProgram',
        projectPath: projectDir,
        privateKeyPath,
      });
      (project as unknown as { _attr: unknown })._attr = JSON.parse(JSON.stringify(ci.DefaultProjectAttr)) as unknown;
      // `version` is required by the options' type and unused when nothing is uploaded.
      const files = await ci.getCompiledResult({ project, version: '0.0.0', setting: { useProjectConfig: true }, includedMap: true });
      // DevTools' Chinese texts name what an item checks; the English ones read as failures
      // ("JS compression is not turned on") even on items that pass.
      ci.locales.setLocale('zh');
      const quality = options.checkQuality
        ? (await ci.checkCodeQuality(project)).map(({ name, success, text, detail }) => ({
            name: String(name),
            success: success === true,
            text: text ?? '',
            detail: detail as unknown,
          }))
        : undefined;
      return { files, subpackageRoots: roots, ...(quality ? { quality } : {}) };
    });
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
  }
}
