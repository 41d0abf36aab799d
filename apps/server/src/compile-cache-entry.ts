/**
 * The production entry, dist/main.mjs: turns on Node's compile cache (module.enableCompileCache,
 * Node 22.1+), then loads the server bundle. The cache lives next to the bundle in
 * dist/.compile-cache, filled at build time by a warm-up start (build/bundle.mjs), so even the first
 * start of a fresh container or function skips compiling the server's JavaScript. "portable":
 * the cache stays valid when dist/ is copied elsewhere (an image, a zip). A cache made by another
 * Node.js version is ignored, and the server simply compiles as usual.
 */
import { enableCompileCache } from 'node:module';

// import.meta.dirname, not the URL's pathname: that one keeps %-escapes (a space, a Chinese folder
// name), and the cache would go to a directory of that escaped name outside dist/.
enableCompileCache({ directory: `${import.meta.dirname}/.compile-cache`, portable: true });

// A variable, so neither TypeScript nor the bundler tries to follow it: it is the bundle's sibling.
const server = './server.mjs';
await import(server);
