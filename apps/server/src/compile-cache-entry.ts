/**
 * The production entry, dist/main.mjs: turns on Node's compile cache (module.enableCompileCache,
 * Node 22.8+), then loads the server bundle, dist/server.cjs. The cache lives next to the bundle in
 * dist/.compile-cache, made at build time after a warm-up run (build/warm-compile-cache.mjs), so
 * even the first start of a fresh container or function neither parses nor compiles what the
 * warm-up ran (the start, the first requests); only other code is compiled as it is first used.
 * "portable" (Node 24.12+): the cache stays valid when dist/ is copied elsewhere (an image, a zip).
 * A cache made by another Node.js version (or another user: Node keeps one folder per user id) is
 * not used, and the server simply compiles as usual.
 */
import { createRequire, enableCompileCache } from 'node:module';

// import.meta.dirname, not the URL's pathname: that one keeps %-escapes (a space, a Chinese folder
// name), and the cache would go to a directory of that escaped name outside dist/.
const directory = `${import.meta.dirname}/.compile-cache`;
// The options object came with Node 24.12; Node 22 (which `engines` allows, and SCF's 22 runtime
// runs) takes the directory alone and throws ERR_INVALID_ARG_TYPE on the object. Its cache is
// then its own: the build's, made by Node 24, is not used.
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
enableCompileCache(major > 24 || (major === 24 && minor >= 12) ? { directory, portable: true } : directory);

// Required, not imported: import() of a CommonJS file first scans all of it for export names.
createRequire(import.meta.url)('./server.cjs');
