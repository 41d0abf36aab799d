/**
 * WeChat's own compiler, miniprogram-ci (extracted from DevTools), run offline on a built weapp
 * folder: the files preview and upload would send, DevTools' code quality scan (代码质量) and its
 * package analysis (代码依赖分析). See miniprogram-ci.ts for what running it offline takes.
 *
 * It runs with the folder's project.config.json settings (`useProjectConfig`), as DevTools does,
 * so `minified`, `minifyWXML` and `minifyWXSS` there decide whether WeChat compresses the code.
 */
import path from 'node:path';
import { readJson, subpackageRoots } from './files';
import type { CiSession } from './miniprogram-ci';
import { summariseAnalysis, type PackageAnalysis } from './wechat-analysis';

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
  analysis: PackageAnalysis;
  /** How long WeChat's compiler took (the compile alone, not the scan nor the analysis). */
  compileMs: number;
}

/** WeChat's compiler refused the folder: its message, with its error code when it gave one. */
export class WeChatCompileError extends Error {
  constructor(
    message: string,
    readonly analysis: PackageAnalysis,
  ) {
    super(message);
    this.name = 'WeChatCompileError';
  }
}

function compileErrorMessage(error: unknown): string {
  const { message, code } = error as { message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' || typeof code === 'number' ? `${text} (miniprogram-ci error ${code})` : text;
}

/**
 * Compiles `projectDir` (a folder with project.config.json, such as dist/weapp) as WeChat would
 * for preview and upload, analyses its packages, and runs the code quality scan when
 * `checkQuality` is set. `appId` and `privateKeyPath` default to the folder's appid and a dummy
 * key (see CiSession.offlineProject). Throws WeChatCompileError when WeChat's compiler fails.
 */
export async function compileWithWeChat(
  session: CiSession,
  projectDir: string,
  options: { checkQuality: boolean; appId?: string; privateKeyPath?: string },
): Promise<WeChatCompilation> {
  const { ci } = session;
  const projectConfig = readJson<{ miniprogramRoot?: string }>(path.join(projectDir, 'project.config.json'));
  const roots = subpackageRoots(path.join(projectDir, projectConfig.miniprogramRoot ?? ''));
  const project = session.offlineProject(projectDir, {
    ...(options.appId ? { appId: options.appId } : {}),
    ...(options.privateKeyPath ? { privateKeyPath: options.privateKeyPath } : {}),
  });

  const analysed = await ci.analyseCode(project, { silent: true });
  const analysis = summariseAnalysis(analysed ?? { files: [], modules: [] });

  const started = performance.now();
  let files: Record<string, string | Buffer>;
  try {
    // `version` is required by the options' type and unused when nothing is uploaded.
    files = await ci.getCompiledResult({ project, version: '0.0.0', setting: { useProjectConfig: true }, includedMap: true });
  } catch (error) {
    throw new WeChatCompileError(compileErrorMessage(error), analysis);
  }
  const compileMs = performance.now() - started;

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
  return { files, subpackageRoots: roots, analysis, compileMs, ...(quality ? { quality } : {}) };
}
