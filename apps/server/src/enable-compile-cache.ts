/**
 * Node's compile cache for the production entry (compile-cache-entry.ts), portable where this
 * Node.js can make it so: the cache then stays valid when dist/ is copied elsewhere (an image, a
 * zip). Asked for by feature, not by version number: a Node.js that takes only the directory (22,
 * which `engines` allows and SCF's 22 runtime runs) throws ERR_INVALID_ARG_TYPE on the options
 * object, and gets the directory alone.
 */
import { enableCompileCache } from 'node:module';

type Enable = typeof enableCompileCache;

export function enablePortableCompileCache(directory: string, enable: Enable = enableCompileCache): ReturnType<Enable> {
  try {
    return enable({ directory, portable: true });
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== 'ERR_INVALID_ARG_TYPE') throw error;
    return enable(directory);
  }
}
