/**
 * Access tokens this process verified recently, by the token itself, so that the next request with
 * the same token skips the HMAC and the claims' decoding. Only a token that passed every check is
 * kept, its entry is honoured only while the token itself would still be accepted (exp with the
 * clock tolerance, on the verifier's clock), and the cache is bounded: when full, the oldest entry
 * goes. A hit needs the exact token, which only its holder has. The revocation check is not
 * cached: it runs on every request (authenticate.ts).
 */
export class VerifiedTokens<T extends object> {
  readonly #entries = new Map<string, { value: T; expSeconds: number }>();

  constructor(
    private readonly capacity: number,
    private readonly toleranceSeconds: number,
  ) {}

  /** The value kept for `token`, if its token is still within its lifetime at `nowSeconds`. */
  get(token: string, nowSeconds: number): T | undefined {
    const entry = this.#entries.get(token);
    if (entry === undefined) return undefined;
    // The same test the verifier applies: expired when exp <= now - tolerance.
    if (entry.expSeconds > nowSeconds - this.toleranceSeconds) return entry.value;
    this.#entries.delete(token);
    return undefined;
  }

  set(token: string, value: T, expSeconds: number): void {
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    // Frozen: every request with this token shares the object.
    this.#entries.set(token, { value: Object.freeze(value), expSeconds });
  }
}
