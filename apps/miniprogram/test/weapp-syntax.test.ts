/**
 * The syntax floor of the production weapp (turbo runs build:weapp:check before these tests):
 * every emitted file must load on the oldest phone the app supports (config/syntax-floor.ts).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson } from '../config/files';
import { checkBuildSyntax, syntaxProblems } from '../config/syntax-check';
import { SYNTAX_FLOOR, TRANSPILED_DEPENDENCIES } from '../config/syntax-floor';
import { appRoot, checkBuildDir, requireCheckBuild } from './support/check-build';

describe('the production weapp', () => {
  it(`parses as ES${SYNTAX_FLOOR.ecmaVersion}, without regex lookbehind, in every emitted file`, () => {
    requireCheckBuild();
    const { files, problems } = checkBuildSyntax(checkBuildDir);
    expect(files).toBeGreaterThanOrEqual(5);
    const report = problems.map((p) => `  ${p.file}:${p.line}:${p.column} ${p.message}\n    …${p.excerpt}…`).join('\n');
    expect(
      problems,
      `code the phones at the floor (${SYNTAX_FLOOR.phones}) cannot load:\n${report}\n` +
        `If it comes from a dependency, add the package to TRANSPILED_DEPENDENCIES (now ${TRANSPILED_DEPENDENCIES.join(', ')}) in config/syntax-floor.ts.`,
    ).toEqual([]);
  });

  it("declares the same floor to Babel (package.json's browserslist)", () => {
    const { browserslist } = readJson<{ browserslist: string[] }>(path.join(appRoot, 'package.json'));
    expect(browserslist).toEqual(SYNTAX_FLOOR.browserslist);
  });
});

describe('the syntax check', () => {
  it.each([
    ['optional chaining', 'var a = b?.c;'],
    ['nullish coalescing', 'var a = b ?? c;'],
    ['a BigInt literal', 'var a = 1n;'],
    ['a class field', 'class A { x = 1 }'],
    ['regex lookbehind', 'var a = /(?<=\\$)\\d+/;'],
    ['negative lookbehind', 'var a = /(?<!x)y/g;'],
  ])('finds %s', (_name, code) => {
    expect(syntaxProblems(code)).toHaveLength(1);
  });

  it('accepts what iOS 12.2 runs: optional catch binding, async iteration, object spread, named groups', () => {
    const code = [
      'try { f(); } catch { g(); }',
      'async function h(it) { for await (const x of it) { const { a, ...rest } = x; } }',
      'var m = /(?<year>\\d{4})/u.exec(s); var d = /a.b/s;',
    ].join('\n');
    expect(syntaxProblems(code)).toEqual([]);
  });

  it('says where the problem is', () => {
    const [problem] = syntaxProblems('var a = 1;\nvar b = c?.d;', 'vendors.js');
    expect(problem).toMatchObject({ file: 'vendors.js', line: 2 });
    expect(problem?.excerpt).toContain('c?.d');
  });
});
