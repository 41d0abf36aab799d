/**
 * The shared WeChat access token with a way out: Redis while it answers, this process's memory
 * while it does not. During a Redis outage each instance fetches and keeps its own token, which
 * stable_token allows (in its normal mode it hands every caller the token in force, not a new
 * one), so phone binding and other token calls keep working instead of failing with Redis.
 */
import type { OutageLog } from '../outage-log';
import { MemoryAccessTokenStore, type AccessTokenStore, type CachedToken } from './access-token';

export class FallbackAccessTokenStore implements AccessTokenStore {
  readonly #memory = new MemoryAccessTokenStore();

  constructor(
    private readonly shared: AccessTokenStore,
    private readonly outage: OutageLog,
  ) {}

  /** The shared store's answer, or the memory's when the shared one fails. */
  async #either<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      return await shared();
    } catch (error) {
      this.outage.failed(error);
      return local();
    }
  }

  read(): Promise<CachedToken | null> {
    return this.#either(
      () => this.shared.read(),
      () => this.#memory.read(),
    );
  }

  async write(token: CachedToken): Promise<void> {
    await this.#memory.write(token); // kept locally too: the next read may be during an outage
    await this.#either(
      () => this.shared.write(token),
      () => Promise.resolve(),
    );
  }

  async invalidate(token: string): Promise<void> {
    await this.#memory.invalidate(token);
    await this.#either(
      () => this.shared.invalidate(token),
      () => Promise.resolve(),
    );
  }

  async tryLock(): Promise<(() => Promise<void>) | null> {
    // Without Redis there is no lock to share: this instance fetches its own token.
    const release = await this.#either(
      () => this.shared.tryLock(),
      () => this.#memory.tryLock(),
    );
    // Redis failing at the release must not turn the token just fetched into an error: the lock
    // then ends with its TTL.
    return (
      release &&
      (() =>
        this.#either(
          () => release(),
          () => Promise.resolve(),
        ))
    );
  }
}
