/**
 * AbortController for WeChat's JS engine, which has none. tRPC's client creates one per call, and
 * pages cancel their queries with one when they unmount. The weapp build injects this module
 * wherever the free variable `AbortController` appears (webpack's ProvidePlugin, config/index.ts);
 * where a native one exists it is used instead. Only what tRPC and our link use is implemented.
 */
type Listener = (event: { type: 'abort' }) => void;

class MiniAbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: Listener | null = null;
  private readonly listeners = new Set<Listener>();

  addEventListener(type: string, listener: Listener): void {
    if (type === 'abort') this.listeners.add(listener);
  }

  removeEventListener(type: string, listener: Listener): void {
    if (type === 'abort') this.listeners.delete(listener);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** @internal */
  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const event = { type: 'abort' as const };
    this.onabort?.(event);
    for (const listener of [...this.listeners]) listener(event);
    this.listeners.clear();
  }
}

class MiniAbortController {
  readonly signal = new MiniAbortSignal();

  abort(reason?: unknown): void {
    const error = reason ?? Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    this.signal.fire(error);
  }
}

const root = (typeof globalThis === 'object' ? globalThis : {}) as { AbortController?: typeof globalThis.AbortController };

/** The platform's AbortController when there is one, else ours. */
const AbortControllerImpl = (root.AbortController ?? MiniAbortController) as typeof globalThis.AbortController;

export { AbortControllerImpl as AbortController, MiniAbortController };
