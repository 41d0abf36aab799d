/**
 * The oldest JavaScript the mini-program must run on, decided once for the build and its check.
 *
 * The floor is the base library the app needs (2.21.2: chooseAvatar and the phone-number code),
 * on the phones whose WeChat can run it. On iOS a mini-program's logic runs in the system's
 * JavaScriptCore, so the iOS version sets the syntax: iOS 12.2 (Safari 12.1) runs ES2019 but not
 * `?.` or `??` (iOS 13.4) and not regex lookbehind (iOS 16.4). On Android WeChat ships its own V8,
 * newer than Chrome 70. `package.json`'s browserslist (which Babel reads) says the same, and a
 * test keeps the two equal.
 */
export const SYNTAX_FLOOR = {
  /** What acorn must be able to parse every emitted file as. */
  ecmaVersion: 2019,
  browserslist: ['ios >= 12.2', 'chrome >= 70'],
  /** Described for people: the README and the closing of a failed check. */
  phones: 'iOS 12.2+ (JavaScriptCore, ES2019 without regex lookbehind) and Android WeChat (its own V8, Chrome 70+)',
} as const;

/**
 * npm packages the app bundles that are published with syntax above the floor: Babel compiles
 * them like the app's own code (Taro's `compile.include`). The syntax test names the file and the
 * construct when a new dependency needs to join this list. Only these: Babel over every
 * dependency would cost about a third more build time for nothing.
 */
export const TRANSPILED_DEPENDENCIES = ['superjson', 'zod'] as const;

const inTranspiledDependency = new RegExp(`[\\\\/]node_modules[\\\\/](${TRANSPILED_DEPENDENCIES.join('|')})[\\\\/]`);

export function isTranspiledDependency(filename: string): boolean {
  return inTranspiledDependency.test(filename);
}
