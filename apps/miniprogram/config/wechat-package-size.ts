/**
 * Package sizes as WeChat counts them, from the files its compiler would upload (see
 * wechat-compiler.ts): every compiled file of a package counts, except `.js.map` source maps.
 * WeChat documents that source maps are neither counted nor shipped to trial and release users
 * (developers.weixin.qq.com/miniprogram/dev/framework/usability/sourceMap.html), and
 * miniprogram-ci's packer leaves `.js.map` files out of the size it reports. Files WeChat does not
 * accept at all (LICENSE.txt, other extensions) are already absent from the compiled files.
 */
import { packageRoot } from './files';

/** WeChat's cap on the main package and on each subpackage (DevTools: "上限为 2048 KB"). */
export const WECHAT_PACKAGE_LIMIT_BYTES = 2 * 1024 * 1024;

/** The main package's name in WeChat's own reports (subPackageInfo, the code quality scan). */
export const MAIN_PACKAGE = '__APP__';

export interface PackageSize {
  /** `__APP__` for the main package, else the subpackage root (`debug/`). */
  name: string;
  /** Bytes WeChat counts. */
  bytes: number;
  /** Bytes of the package's source maps, which WeChat does not count. */
  sourceMapBytes: number;
  files: number;
}

const isSourceMap = (file: string): boolean => file.endsWith('.js.map');

/**
 * Sizes of the main package and each subpackage, from compiled files (path → content). A file
 * belongs to the subpackage whose root its path starts with, and otherwise to the main package.
 */
export function packageSizes(files: Record<string, string | Buffer>, subpackageRoots: readonly string[]): PackageSize[] {
  const roots = subpackageRoots.map(packageRoot);
  const empty = (name: string): PackageSize => ({ name, bytes: 0, sourceMapBytes: 0, files: 0 });
  const main = empty(MAIN_PACKAGE);
  const sizes = new Map<string, PackageSize>([[MAIN_PACKAGE, main], ...roots.map((root) => [root, empty(root)] as const)]);
  for (const [file, content] of Object.entries(files)) {
    const path = file.replace(/\\/g, '/').replace(/^\/+/, '');
    const size = sizes.get(roots.find((root) => path.startsWith(root)) ?? MAIN_PACKAGE) ?? main;
    const bytes = typeof content === 'string' ? Buffer.byteLength(content) : content.length;
    if (isSourceMap(path)) {
      size.sourceMapBytes += bytes;
    } else {
      size.bytes += bytes;
      size.files += 1;
    }
  }
  return [...sizes.values()];
}

/** The packages over WeChat's cap: preview and upload refuse the whole app when one is. */
export function oversizedPackages(sizes: readonly PackageSize[], limitBytes = WECHAT_PACKAGE_LIMIT_BYTES): PackageSize[] {
  return sizes.filter((size) => size.bytes > limitBytes);
}
