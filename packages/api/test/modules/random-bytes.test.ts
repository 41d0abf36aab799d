/**
 * The pooled CSPRNG bytes behind refresh tokens and session-key IVs: the sizes asked for, never the
 * same bytes twice (across the pool's refills too), each answer a copy in memory of its own that
 * later draws (which zero and refill the pool) leave alone, and sizes that are not sizes refused.
 */
import { describe, expect, it } from 'vitest';
import { secureRandomBytes } from '../../src/modules/auth/random-bytes';

describe('secureRandomBytes', () => {
  it('answers the sizes asked for, below, at and above the pool', () => {
    for (const size of [0, 1, 12, 32, 4095, 4096, 4097, 10_000]) expect(secureRandomBytes(size)).toHaveLength(size);
  });

  it('refuses a size that is not a whole number of bytes, before touching the pool', () => {
    // By the pool's own check, with its message: Node's Buffer checks would refuse most of these too,
    // 1.5 only after copying from the pool (Buffer#fill refuses the fractional end).
    for (const size of [-1, -32, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => secureRandomBytes(size)).toThrow(RangeError);
      expect(() => secureRandomBytes(size)).toThrow(/^secureRandomBytes: size must be a whole number/);
    }
    // A refused negative size did not move the cursor back over bytes handed out (zeroed in the pool).
    expect(secureRandomBytes(32).some((byte) => byte !== 0)).toBe(true);
  });

  it('never hands out the same bytes twice, across many refills of the pool', () => {
    // 3,000 draws of 32 bytes and of 12: ~33 pools' worth, with draws straddling each refill.
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i += 1) {
      for (const size of [32, 12]) {
        const bytes = secureRandomBytes(size);
        expect(bytes).toHaveLength(size);
        seen.add(bytes.toString('hex'));
      }
    }
    expect(seen.size).toBe(6000);
  });

  it('answers a copy in memory of its own: draws after it, and the refills they cause, leave it as it was', () => {
    const first = secureRandomBytes(32);
    // Not a slice of a larger allocation (the pool, or Node's shared slab with unrelated data).
    expect(first.buffer.byteLength).toBe(32);
    const kept = Buffer.from(first);
    for (let i = 0; i < 400; i += 1) secureRandomBytes(32);
    expect(first.equals(kept)).toBe(true);
    expect(first.some((byte) => byte !== 0)).toBe(true);
  });
});
