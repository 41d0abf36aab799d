/**
 * One checkout attempt and its idempotency key. The server makes at most one order per key (a
 * repeat of the key with the same lines answers with the order it already made), so the key must
 * stay the same for every try of one attempt (a double tap, a retry after a timeout whose answer
 * never came) and change when the user asks for something else (other lines or quantities), or the
 * server would refuse the changed cart as IDEMPOTENCY_KEY_REUSED.
 *
 *   keyFor(cart A) → k1 ── keyFor(cart A) → k1 (a retry: the same order at most)
 *                     └─── keyFor(cart B) → k2 (the user changed the cart: a new attempt)
 *   finish()  the order is made (or the server refused the key): the next keyFor starts afresh
 *
 * submit() sends the order with the attempt's key, and while it is on its way a second submit
 * (a double tap that got past the disabled button) shares it instead of sending again.
 */
import type { CreateOrderInput, Order, OrderItemInput } from '@app/shared';
import { appCodeOf } from '../errors/app-error';

/** The characters the server accepts in a key ([A-Za-z0-9_-]{16,64}), less `_` and `-`. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 24 random characters: about 143 bits, so no two attempts of a user share a key. */
const RANDOM_CHARS = 24;

/**
 * A new key: `ck`, the time in base 36, then random characters (crypto.getRandomValues where the
 * platform has it, as in browsers; Math.random in WeChat's engine, which has no crypto).
 */
export function createIdempotencyKey(now: number = Date.now(), random: () => number = defaultRandom): string {
  let chars = '';
  for (let i = 0; i < RANDOM_CHARS; i += 1) chars += ALPHABET.charAt(Math.floor(random() * ALPHABET.length) % ALPHABET.length);
  return `ck${now.toString(36)}${chars}`;
}

function defaultRandom(): number {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint32Array) => Uint32Array } }).crypto;
  if (crypto?.getRandomValues) return (crypto.getRandomValues(new Uint32Array(1))[0] ?? 0) / 2 ** 32;
  return Math.random();
}

/** What identifies a cart: its lines in product order, so the order they were added in does not matter. */
export function cartSignature(items: readonly OrderItemInput[]): string {
  return [...items]
    .sort((a, b) => a.productId - b.productId)
    .map((item) => `${item.productId}x${item.quantity}`)
    .join(',');
}

export class CheckoutAttempt {
  readonly #newKey: () => string;
  #key: string | null = null;
  #cart: string | null = null;
  #inFlight: Promise<Order> | null = null;

  constructor(newKey: () => string = () => createIdempotencyKey()) {
    this.#newKey = newKey;
  }

  /** The key to send with this cart: the attempt's key while the cart is unchanged, else a new one. */
  keyFor(items: readonly OrderItemInput[]): string {
    const cart = cartSignature(items);
    if (this.#key === null || this.#cart !== cart) {
      this.#key = this.#newKey();
      this.#cart = cart;
    }
    return this.#key;
  }

  /** The key in use, if any (for tests and logs). */
  get key(): string | null {
    return this.#key;
  }

  /** The attempt is over (its order is made, or the key was refused): the next keyFor makes a new key. */
  finish(): void {
    this.#key = null;
    this.#cart = null;
  }

  /** Whether an order is on its way. */
  get submitting(): boolean {
    return this.#inFlight !== null;
  }

  /**
   * Sends the order with this attempt's key (`create` is order.create). On success the attempt is
   * over. On failure the key stays for the retry, unless the server refused the key itself
   * (IDEMPOTENCY_KEY_REUSED: it was used for another cart), when the retry gets a new one.
   */
  submit(items: OrderItemInput[], create: (input: CreateOrderInput) => Promise<Order>): Promise<Order> {
    if (this.#inFlight) return this.#inFlight;
    const idempotencyKey = this.keyFor(items);
    const sent = create({ items, idempotencyKey }).then(
      (order) => {
        this.finish();
        return order;
      },
      (error: unknown) => {
        if (appCodeOf(error) === 'IDEMPOTENCY_KEY_REUSED') this.finish();
        throw error;
      },
    );
    this.#inFlight = sent;
    const settled = () => {
      if (this.#inFlight === sent) this.#inFlight = null;
    };
    sent.then(settled, settled);
    return sent;
  }
}
