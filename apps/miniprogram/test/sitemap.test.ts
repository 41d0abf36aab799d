/**
 * The sitemap WeChat search reads: testers' pages (the debug subpackage) are never indexed, every
 * other page may be; and the weapp build ships it where app.json says it is.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson } from '../config/files';
import { appRoot, checkBuildDir, requireCheckBuild } from './support/check-build';

interface Sitemap {
  rules: Array<{ action: 'allow' | 'disallow'; page: string }>;
}
interface AppJson {
  pages: string[];
  subPackages?: Array<{ root: string; pages: string[] }>;
  sitemapLocation?: string;
}

/** WeChat applies the first rule whose page matches. */
function indexable(sitemap: Sitemap, page: string): boolean {
  const rule = sitemap.rules.find((r) => r.page === '*' || r.page === page);
  return rule?.action !== 'disallow';
}

describe('sitemap.json', () => {
  it('ships in the weapp where app.json says, and disallows exactly the debug pages', () => {
    requireCheckBuild(path.join(checkBuildDir, 'app.json'));
    const app = readJson<AppJson>(path.join(checkBuildDir, 'app.json'));
    expect(app.sitemapLocation).toBe('sitemap.json');
    const shipped = readJson<Sitemap>(path.join(checkBuildDir, app.sitemapLocation!));
    expect(shipped).toEqual(readJson<Sitemap>(path.join(appRoot, 'src/sitemap.json')));

    const debugPages = (app.subPackages ?? [])
      .filter((sub) => sub.root === 'debug')
      .flatMap((sub) => sub.pages.map((page) => `debug/${page}`));
    expect(debugPages).not.toEqual([]);
    for (const page of debugPages) expect(indexable(shipped, page), page).toBe(false);
    for (const page of app.pages) expect(indexable(shipped, page), page).toBe(true);
    expect(shipped.rules.at(-1)).toEqual({ action: 'allow', page: '*' });
  });
});
