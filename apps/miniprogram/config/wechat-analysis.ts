/**
 * WeChat's package analysis (miniprogram-ci's analyseCode, DevTools' 代码依赖分析) of a built
 * weapp, summarised: what each package holds before WeChat's compression, its largest files, and
 * every reference between files that does not resolve (a `require`, an import in WXML or WXSS, a
 * page or component in a JSON file), which would fail on the phone when it is reached.
 */
import { MAIN_PACKAGE } from './wechat-package-size';

/** The part of analyseCode's result this reads (IAnalyseResult in miniprogram-ci's types). */
export interface AnalyseResult {
  files: ReadonlyArray<{ path: string; size: number; subPackage: string | null }>;
  modules: ReadonlyArray<{
    path: string;
    deps: ReadonlyArray<{ request: string; error?: string | undefined }>;
    errors?: readonly string[] | undefined;
    buildError?: string | undefined;
  }>;
}

export interface AnalysedPackage {
  /** `__APP__` for the main package, else the subpackage root (`debug/`). */
  name: string;
  /** The built files' bytes, before WeChat's compression; source maps are not in the analysis. */
  bytes: number;
  files: number;
  /** The largest files first, at most LARGEST_FILES. */
  largest: Array<{ path: string; bytes: number }>;
}

export interface UnresolvedReference {
  /** The file that refers (or the file that could not be read, when `request` is empty). */
  file: string;
  request: string;
  message: string;
}

export interface PackageAnalysis {
  packages: AnalysedPackage[];
  /** References between files, resolved and not. */
  references: number;
  unresolved: UnresolvedReference[];
}

const LARGEST_FILES = 3;

export function summariseAnalysis(result: AnalyseResult): PackageAnalysis {
  const packages = new Map<string, AnalysedPackage & { all: Array<{ path: string; bytes: number }> }>();
  for (const file of result.files) {
    const name = file.subPackage ?? MAIN_PACKAGE;
    const entry = packages.get(name) ?? { name, bytes: 0, files: 0, largest: [], all: [] };
    entry.bytes += file.size;
    entry.files += 1;
    entry.all.push({ path: file.path, bytes: file.size });
    packages.set(name, entry);
  }
  const unresolved: UnresolvedReference[] = result.modules.flatMap((module) => [
    ...module.deps.filter((dep) => dep.error).map((dep) => ({ file: module.path, request: dep.request, message: dep.error ?? '' })),
    ...[...(module.errors ?? []), ...(module.buildError ? [module.buildError] : [])].map((message) => ({
      file: module.path,
      request: '',
      message,
    })),
  ]);
  return {
    packages: [...packages.values()]
      .sort((a, b) => (a.name === MAIN_PACKAGE ? -1 : b.name === MAIN_PACKAGE ? 1 : a.name.localeCompare(b.name)))
      .map(({ all, ...entry }) => ({ ...entry, largest: all.sort((a, b) => b.bytes - a.bytes).slice(0, LARGEST_FILES) })),
    references: result.modules.reduce((sum, module) => sum + module.deps.length, 0),
    unresolved,
  };
}

/** One line per reference that does not resolve. */
export function unresolvedLines(analysis: PackageAnalysis): string[] {
  return analysis.unresolved.map((ref) =>
    ref.request ? `${ref.file} refers to "${ref.request}", which does not resolve (${ref.message})` : `${ref.file}: ${ref.message}`,
  );
}
