/**
 * What the production entry (compile-cache-entry.ts) passes to module.enableCompileCache on this
 * Node.js. The options object, and with it "portable" (the cache stays valid when dist/ is copied
 * elsewhere: an image, a zip), came with Node 24.12; Node 22, which `engines` allows and SCF's 22
 * runtime runs, takes the directory alone and throws ERR_INVALID_ARG_TYPE on the object.
 */
export function compileCacheOptions(nodeVersion: string, directory: string): string | { directory: string; portable: true } {
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  return major > 24 || (major === 24 && minor >= 12) ? { directory, portable: true } : directory;
}
