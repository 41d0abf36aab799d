/**
 * Reading the app's files and its builds: JSON (package.json, app.json, project.config.json), every
 * file under a folder, and the subpackages a built weapp declares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Every file under `dir`, at any depth (full paths). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** A subpackage root as a path prefix and a package name: `debug` and `/debug/` → `debug/`. */
export function packageRoot(root: string): string {
  return root.replace(/^\/+/, '').replace(/\/?$/, '/');
}

/** The subpackage roots (as packageRoot writes them) that `dir`'s app.json declares, in either spelling. */
export function subpackageRoots(dir: string): string[] {
  type Subpackages = Array<{ root: string }>;
  const appJson = readJson<{ subPackages?: Subpackages; subpackages?: Subpackages }>(path.join(dir, 'app.json'));
  return (appJson.subPackages ?? appJson.subpackages ?? []).map((sub) => packageRoot(sub.root));
}
