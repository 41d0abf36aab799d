/**
 * Where a build of a mode goes, relative to the app: the standard modes (development, production)
 * into dist/<target>, every other mode (check, e2e, staging) beside them in dist/<target>-<mode>,
 * never over them. config/index.ts builds there; the release and check scripts read from there.
 */
export function buildOutputRoot(target: string, mode: string): string {
  return mode === 'production' || mode === 'development' ? `dist/${target}` : `dist/${target}-${mode}`;
}
