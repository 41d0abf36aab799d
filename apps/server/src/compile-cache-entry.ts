/**
 * The production entry, dist/main.mjs: turns on Node's compile cache (module.enableCompileCache,
 * Node 22.1+), then loads the server bundle. The cache lives next to the bundle in
 * dist/.compile-cache, filled at build time by a warm-up start (build.mjs), so even the first
 * start of a fresh container or function skips compiling the server's JavaScript. "portable":
 * the cache stays valid when dist/ is copied elsewhere (an image, a zip). A cache made by another
 * Node.js version is ignored, and the server simply compiles as usual.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache({ directory: new URL('.compile-cache', import.meta.url).pathname, portable: true });

// A variable, so neither TypeScript nor the bundler tries to follow it: it is the bundle's sibling.
const server = './server.mjs';
await import(server);
