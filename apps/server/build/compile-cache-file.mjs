// Node's compile cache file, as Node 24 writes it (src/compile_cache.cc): five little-endian 32-bit
// words, then V8's cache. Shared by warm-compile-cache.mjs, which rewrites the file, and the tests
// that check what the build and the image ship.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFunction } from 'node:vm';
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 20;
const CODE_SIZE = 4; // the source's length in UTF-8 bytes
export const CACHE_SIZE = 8;
const CODE_HASH = 12; // CRC-32 of the source
export const CACHE_HASH = 16; // CRC-32 of the cache

/** The parameters Node's CommonJS loader compiles a module's source with. */
export const COMMONJS_PARAMETERS = ['exports', 'require', 'module', '__filename', '__dirname'];

/**
 * Node's cache file for `source` (a Buffer) in `cacheDir`, the one whose header names its size and
 * CRC-32: its path, header and V8 cache; or null.
 * @param {string} cacheDir
 * @param {Buffer} source
 * @returns {{ path: string, header: Buffer, cache: Buffer } | null}
 */
export function cacheFileFor(cacheDir, source) {
  const hash = crc32(source);
  for (const entry of readdirSync(cacheDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const data = readFileSync(path);
    if (data.length >= HEADER_BYTES && data.readUInt32LE(CODE_SIZE) === source.length && data.readUInt32LE(CODE_HASH) === hash) {
      return { path, header: Buffer.from(data.subarray(0, HEADER_BYTES)), cache: data.subarray(HEADER_BYTES) };
    }
  }
  return null;
}

/**
 * The size of V8's cache for `source` compiled as a CommonJS module without running it: the top
 * level only, what Node's own compile cache holds.
 * @param {Buffer} source
 */
export function topLevelCacheSize(source) {
  return compileFunction(source.toString('utf8'), COMMONJS_PARAMETERS, { produceCachedData: true }).cachedData?.length ?? 0;
}

/**
 * Whether Node took the cache of `file`, from a start's stderr with NODE_DEBUG_NATIVE=COMPILE_CACHE.
 * @param {string} log
 * @param {string} file the module's absolute path
 */
export function acceptedIn(log, file) {
  return log.includes(`V8 code cache for CommonJS ${file} was accepted`);
}
