// Makes Node's compile cache cover the bundled dependencies' module bodies.
//
// esbuild wraps each CommonJS module of the bundle in a factory, `__commonJS((exports, module) =>
// {...})`, run once when the module is first required, nearly all of them at start-up. V8 compiles
// such a function lazily, when first called, and Node's compile cache stores only the code V8
// compiled together with the script, so every start compiled those bodies again (a fifth of the
// start's CPU). A function expression in parentheses is one V8 compiles eagerly ("PIFE"), so this
// step puts each factory in parentheses: the code means the same, and the cache now holds it.
// The source map is carried through the edit, so stack traces still point at the sources.
import remapping from '@jridgewell/remapping';
import { parse } from 'acorn';
import MagicString from 'magic-string';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** esbuild's `__commonJS` helper, minified: `(cb, mod) => () => { try { return mod || cb((mod = { exports: {} }).exports, mod), mod.exports } ... }`. */
function isCommonJsHelper(init) {
  if (init?.type !== 'ArrowFunctionExpression' || init.params.length !== 2) return false;
  const inner = init.body;
  if (inner?.type !== 'ArrowFunctionExpression' || inner.params.length !== 0 || inner.body.type !== 'BlockStatement') return false;
  const tryStatement = inner.body.body[0];
  const returned = tryStatement?.type === 'TryStatement' ? tryStatement.block.body[0]?.argument : undefined;
  const text = JSON.stringify(returned ?? null);
  return text.includes('"name":"exports"') && text.includes('"type":"ObjectExpression"');
}

function* walk(node) {
  if (!node || typeof node.type !== 'string') return;
  yield node;
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const child of value) yield* walk(child);
    else if (value && typeof value.type === 'string') yield* walk(value);
  }
}

/** Parenthesizes the module factories in `file` (and updates `file.map`); returns how many. */
export function eagerModuleBodies(file) {
  const code = readFileSync(file, 'utf8');
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  const helpers = new Set();
  for (const node of walk(ast)) if (node.type === 'VariableDeclarator' && isCommonJsHelper(node.init)) helpers.add(node.id.name);
  if (helpers.size === 0) throw new Error(`${file}: esbuild's __commonJS helper not found (has esbuild changed its output?)`);

  const edited = new MagicString(code);
  let count = 0;
  for (const node of walk(ast)) {
    const [factory] = node.type === 'CallExpression' && helpers.has(node.callee.name) ? node.arguments : [];
    if (factory?.type !== 'ArrowFunctionExpression' && factory?.type !== 'FunctionExpression') continue;
    edited.appendLeft(factory.start, '(');
    edited.appendRight(factory.end, ')');
    count += 1;
  }
  const editMap = edited.generateMap({ hires: true, source: basename(file), includeContent: false });
  const bundleMap = JSON.parse(readFileSync(`${file}.map`, 'utf8'));
  const map = remapping(editMap, (source) => (source === basename(file) ? bundleMap : null));
  writeFileSync(file, edited.toString());
  writeFileSync(`${file}.map`, JSON.stringify(map));
  return count;
}
