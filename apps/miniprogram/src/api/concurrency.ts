/**
 * WeChat runs at most 10 network tasks (request, uploadFile, downloadFile) at once and fails the
 * rest. Everything that goes to the network takes a slot here first: extra work waits its turn.
 */
export const WECHAT_MAX_CONCURRENT_REQUESTS = 10;

export class ConcurrencyLimiter {
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly limit: number = WECHAT_MAX_CONCURRENT_REQUESTS) {}

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once a slot is free, and frees the slot when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#active += 1;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next in line, so a newcomer cannot jump the queue.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#active -= 1;
    }
  }
}
