/**
 * Random bytes for a sign-in's secrets (the refresh token, the session key's IV), drawn from a pool
 * that one call to the CSPRNG fills, as Node's own `randomUUID` does (it caches entropy for 128
 * UUIDs): `randomBytes` asks OpenSSL on every call, and under a launch storm's load two such calls
 * were ~2 % of a sign-in's CPU (~8 µs each, caches cold between requests). Each byte is handed out
 * once, copied into memory of its own, and zeroed in the pool as it goes.
 */
import { randomBytes, randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
// Outside Node's shared allocation pool: nothing else ever lives beside these bytes.
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let next = POOL_BYTES;

/** `size` bytes from the CSPRNG in a buffer of their own, as `crypto.randomBytes(size)` answers them. */
export function secureRandomBytes(size: number): Buffer {
  // A negative size would move the cursor back over bytes already handed out.
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`secureRandomBytes: size must be a whole number ≥ 0, got ${size}`);
  if (size > POOL_BYTES) return randomBytes(size);
  if (next + size > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  // Not Buffer.from(): a small copy would land in Node's shared slab, beside unrelated data.
  const bytes = Buffer.allocUnsafeSlow(size);
  pool.copy(bytes, 0, next, next + size);
  pool.fill(0, next, next + size);
  next += size;
  return bytes;
}
