/**
 * Finds JavaScript a phone at the syntax floor (syntax-floor.ts) cannot load: anything acorn cannot
 * parse at the floor's ECMAScript version (`?.`, `??`, `1n`, class fields...), and regex
 * lookbehind, which parses as ES2018 but which iOS's JavaScriptCore lacks before iOS 16.4.
 * One such construct anywhere in a file and the phone fails to load the whole file.
 */
import { Parser, type Options } from 'acorn';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { filesUnder } from './files';
import { SYNTAX_FLOOR } from './syntax-floor';

export interface SyntaxProblem {
  file: string;
  line: number;
  column: number;
  message: string;
  /** The code around the problem, to recognise the library it came from. */
  excerpt: string;
}

const LOOKBEHIND = /\(\?<[=!]/;

function excerptAround(code: string, offset: number): string {
  return code.slice(Math.max(0, offset - 60), offset + 40).replace(/\s+/g, ' ');
}

/** The problems of one file's code (at most one parse error: acorn stops at the first). */
export function syntaxProblems(code: string, file = '<code>'): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const options: Options = {
    ecmaVersion: SYNTAX_FLOOR.ecmaVersion,
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    locations: true,
    onToken: (token) => {
      // acorn's types leave out `value`; for a regexp token it is { pattern, flags, value }.
      const regex = ((token as { value?: unknown }).value as { pattern?: string } | undefined)?.pattern;
      if (token.type.label === 'regexp' && regex !== undefined && LOOKBEHIND.test(regex) && token.loc) {
        problems.push({
          file,
          line: token.loc.start.line,
          column: token.loc.start.column,
          message: 'regex lookbehind (iOS 16.4+)',
          excerpt: excerptAround(code, token.start),
        });
      }
    },
  };
  try {
    Parser.parse(code, options);
  } catch (error) {
    const { loc, pos, message } = error as { loc?: { line: number; column: number }; pos?: number; message: string };
    problems.push({
      file,
      line: loc?.line ?? 0,
      column: loc?.column ?? 0,
      message: `not ES${SYNTAX_FLOOR.ecmaVersion}: ${message}`,
      excerpt: excerptAround(code, pos ?? 0),
    });
  }
  return problems;
}

/** Every emitted JavaScript file of a build, checked; `files` says how many were read. */
export function checkBuildSyntax(outputDir: string): { files: number; problems: SyntaxProblem[] } {
  const files = filesUnder(outputDir).filter((file) => file.endsWith('.js'));
  const problems = files.flatMap((file) => syntaxProblems(readFileSync(file, 'utf8'), path.relative(outputDir, file)));
  return { files: files.length, problems };
}
