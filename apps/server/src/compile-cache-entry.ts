/**
 * The production entry, dist/main.mjs: turns on Node's compile cache (module.enableCompileCache,
 * Node 22.8+), then loads the server bundle, dist/server.cjs. The cache lives next to the bundle in
 * dist/.compile-cache, made at build time after a warm-up run (build/warm-compile-cache.mjs), so
 * even the first start of a fresh container or function neither parses nor compiles what the
 * warm-up ran (the start, the first requests); only other code is compiled as it is first used.
 * Where Node.js can make it portable, it stays valid when dist/ is copied elsewhere (an image, a
 * zip): enable-compile-cache.ts.
 * A cache made by another Node.js version (or another user: Node keeps one folder per user id) is
 * not used, and the server simply compiles as usual.
 */
import { createRequire } from 'node:module';
import { enablePortableCompileCache } from './enable-compile-cache';

// import.meta.dirname, not the URL's pathname: that one keeps %-escapes (a space, a Chinese folder
// name), and the cache would go to a directory of that escaped name outside dist/.
// On Node 22 the cache is its own: the build's, made by Node 24, is not used.
enablePortableCompileCache(`${import.meta.dirname}/.compile-cache`);

// Required, not imported: import() of a CommonJS file first scans all of it for export names.
createRequire(import.meta.url)('./server.cjs');
