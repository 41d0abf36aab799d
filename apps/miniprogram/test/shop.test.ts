/**
 * The shop's pure parts: the checkout attempt's idempotency key, the quantity bounds, prices and
 * order states on screen, the countdown to an unpaid order's close, and cursor-paged lists.
 */
import {
  createOrderInputSchema,
  formatFen,
  idempotencyKeySchema,
  MAX_ITEM_QUANTITY,
  type CreateOrderInput,
  type Order,
  type OrderItemInput,
} from '@app/shared';
import { describe, expect, it } from 'vitest';
import { cartSignature, CheckoutAttempt, createIdempotencyKey } from '../src/api/checkout-attempt';
import { emptyPagedList, hasMore, withFirstPage, withNextPage } from '../src/api/paged-list';
import { clientError } from '../src/errors/app-error';
import { canDecrease, canIncrease, clampQuantity, maxQuantity, parseQuantity } from '../src/ui/quantity';
import { idParam } from '../src/ui/route-params';
import {
  closeReasonText,
  formatCountdown,
  lineTotalText,
  nextTickMs,
  orderItemsSummary,
  orderStatusText,
  remainingMs,
  stockText,
} from '../src/ui/shop-format';

const cart = (quantity: number, productId = 9): OrderItemInput[] => [{ productId, quantity }];

function order(id: number): Order {
  const now = new Date('2026-11-30T10:00:00Z');
  return {
    id,
    status: 'PENDING_PAYMENT',
    totalFen: 8800,
    items: [{ productId: 9, title: '黄铜书签（限量）', unitPriceFen: 8800, quantity: 1, subtotalFen: 8800 }],
    createdAt: now,
    expiresAt: new Date(now.getTime() + 15 * 60_000),
    paidAt: null,
    refundedAt: null,
    closedAt: null,
    closeReason: null,
  };
}

/** order.create played by a list of answers (an order or an error), recording what it was sent. */
function fakeCreate(...answers: Array<Order | Error>) {
  const sent: CreateOrderInput[] = [];
  const create = (input: CreateOrderInput): Promise<Order> => {
    sent.push(input);
    const answer = answers.shift();
    if (!answer) throw new Error('no answer left');
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { sent, create };
}

describe('idempotency keys', () => {
  it('are what the server accepts, and all different', () => {
    const keys = Array.from({ length: 2000 }, () => createIdempotencyKey());
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys.slice(0, 50)) {
      expect(idempotencyKeySchema.safeParse(key).success, key).toBe(true);
      expect(createOrderInputSchema.safeParse({ items: cart(1), idempotencyKey: key }).success).toBe(true);
    }
  });

  it('differ by their random part even when made in the same millisecond', () => {
    const sequence = [0.1, 0.2, 0.3];
    let i = 0;
    const random = () => sequence[i++ % sequence.length]!;
    const first = createIdempotencyKey(1_800_000_000_000, random);
    const second = createIdempotencyKey(1_800_000_000_000, () => 0.9);
    expect(first).toMatch(/^ck[0-9a-z]+[A-Za-z0-9]{24}$/);
    expect(first).not.toBe(second);
  });
});

describe('a checkout attempt', () => {
  it('keeps one key for the same cart, and makes a new one when the cart changes', () => {
    let made = 0;
    const attempt = new CheckoutAttempt(() => `key-number-${++made}-padding`);
    const first = attempt.keyFor(cart(1));
    expect(attempt.keyFor(cart(1))).toBe(first);
    // The same lines in another order are the same cart.
    const two = [...cart(1, 3), ...cart(2, 5)];
    expect(cartSignature(two)).toBe(cartSignature([...two].reverse()));

    const changed = attempt.keyFor(cart(2));
    expect(changed).not.toBe(first);
    // Back to the first quantity: still a new attempt (the user changed the cart in between).
    expect(attempt.keyFor(cart(1))).not.toBe(first);
    expect(made).toBe(3);
  });

  it('sends the same key again when a try failed, and a new one after the order is made', async () => {
    const attempt = new CheckoutAttempt();
    const { sent, create } = fakeCreate(clientError('REQUEST_TIMEOUT', 'mp-1'), order(1), order(2));

    await expect(attempt.submit(cart(1), create)).rejects.toThrow();
    expect(attempt.key).toBe(sent[0]!.idempotencyKey);
    await expect(attempt.submit(cart(1), create)).resolves.toMatchObject({ id: 1 });
    // The retry carried the first try's key: the server answers it with one order at most.
    expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey);
    expect(attempt.key).toBeNull();

    await attempt.submit(cart(1), create);
    expect(sent[2]!.idempotencyKey).not.toBe(sent[0]!.idempotencyKey);
  });

  it('keeps the key after 库存不足, and drops it when the server refuses the key itself', async () => {
    const attempt = new CheckoutAttempt();
    const outOfStock = clientError('OUT_OF_STOCK', 'mp-2', {
      issues: [{ path: 'items.0.quantity', message: '「黄铜书签（限量）」库存不足' }],
    });
    const { sent, create } = fakeCreate(outOfStock, clientError('IDEMPOTENCY_KEY_REUSED', 'mp-3'), order(3));

    await expect(attempt.submit(cart(1), create)).rejects.toBe(outOfStock);
    await expect(attempt.submit(cart(1), create)).rejects.toThrow();
    expect(sent[1]!.idempotencyKey).toBe(sent[0]!.idempotencyKey);
    await attempt.submit(cart(1), create);
    expect(sent[2]!.idempotencyKey).not.toBe(sent[1]!.idempotencyKey);
  });

  it('sends a double tap once: a second submit while the first is on its way shares it', async () => {
    const attempt = new CheckoutAttempt();
    let answer: (order: Order) => void = () => undefined;
    const sent: CreateOrderInput[] = [];
    const create = (input: CreateOrderInput) => {
      sent.push(input);
      return new Promise<Order>((resolve) => (answer = resolve));
    };

    const first = attempt.submit(cart(1), create);
    const second = attempt.submit(cart(1), create);
    expect(attempt.submitting).toBe(true);
    expect(sent).toHaveLength(1);
    answer(order(4));
    expect(await first).toBe(await second);
    expect(attempt.submitting).toBe(false);
  });
});

describe('the quantity on 确认订单', () => {
  it('stays within 1 and the stock, and never above 99', () => {
    expect(maxQuantity(40)).toBe(40);
    expect(maxQuantity(120)).toBe(MAX_ITEM_QUANTITY);
    expect(maxQuantity(0)).toBe(0);
    expect(clampQuantity(0, 40)).toBe(1);
    expect(clampQuantity(-5, 40)).toBe(1);
    expect(clampQuantity(41, 40)).toBe(40);
    expect(clampQuantity(150, 500)).toBe(99);
    expect(clampQuantity(2.7, 40)).toBe(2);
    expect(clampQuantity(Number.NaN, 40)).toBe(1);
    // Sold out: nothing can be chosen.
    expect(clampQuantity(1, 0)).toBe(0);
  });

  it('offers − and + only where a step stays in bounds', () => {
    expect(canDecrease(1)).toBe(false);
    expect(canDecrease(2)).toBe(true);
    expect(canIncrease(1, 1)).toBe(false);
    expect(canIncrease(98, 500)).toBe(true);
    expect(canIncrease(99, 500)).toBe(false);
  });

  it('takes a typed number within bounds, and nothing that is not a number', () => {
    expect(parseQuantity('3', 40)).toBe(3);
    expect(parseQuantity(' 100 ', 40)).toBe(40);
    expect(parseQuantity('0', 40)).toBe(1);
    expect(parseQuantity('', 40)).toBeNull();
    expect(parseQuantity('2.5', 40)).toBeNull();
    expect(parseQuantity('-1', 40)).toBeNull();
    expect(parseQuantity('abc', 40)).toBeNull();
  });
});

describe('prices and states on screen', () => {
  it('shows fen as yuan, exactly', () => {
    expect(formatFen(6800)).toBe('¥68.00');
    expect(formatFen(1250)).toBe('¥12.50');
    expect(formatFen(5)).toBe('¥0.05');
    expect(formatFen(0)).toBe('¥0.00');
    // 0.1 + 0.2 in yuan would not be 0.3: in fen it is.
    expect(lineTotalText(10, 3)).toBe('¥0.30');
    expect(lineTotalText(8800, 2)).toBe('¥176.00');
    expect(lineTotalText(12800, 99)).toBe('¥12672.00');
  });

  it('says how much is left, and when nothing is', () => {
    expect(stockText(40)).toBe('库存 40 件');
    expect(stockText(1)).toBe('仅剩 1 件');
    expect(stockText(0)).toBe('已售罄');
  });

  it('names an order state as the tabs do, and why a closed order closed', () => {
    expect(orderStatusText({ status: 'PENDING_PAYMENT' })).toBe('待支付');
    expect(orderStatusText({ status: 'PAID' })).toBe('已支付');
    expect(orderStatusText({ status: 'CLOSED' })).toBe('已关闭');
    expect(closeReasonText({ status: 'CLOSED', closeReason: 'CANCELLED' })).toBe('已取消');
    expect(closeReasonText({ status: 'CLOSED', closeReason: 'TIMEOUT' })).toBe('超时未支付');
    expect(closeReasonText({ status: 'PENDING_PAYMENT', closeReason: null })).toBeNull();
  });

  it('sums up an order in one line', () => {
    expect(orderItemsSummary([{ title: '竹制便当盒', quantity: 2 }])).toBe('竹制便当盒 × 2');
    expect(
      orderItemsSummary([
        { title: '竹制便当盒', quantity: 2 },
        { title: '帆布托特包', quantity: 1 },
      ]),
    ).toBe('竹制便当盒 等 3 件商品');
  });
});

describe('the countdown to an unpaid order closing', () => {
  const deadline = new Date('2026-11-30T10:15:00Z');
  const at = (iso: string) => new Date(iso).getTime();

  it('reads mm:ss, rounded up to the second, and h:mm:ss past an hour', () => {
    expect(formatCountdown(15 * 60_000)).toBe('15:00');
    expect(formatCountdown(15 * 60_000 - 1)).toBe('15:00');
    expect(formatCountdown(14 * 60_000 + 59_000)).toBe('14:59');
    expect(formatCountdown(61_000)).toBe('01:01');
    expect(formatCountdown(999)).toBe('00:01');
    expect(formatCountdown(3_600_000 + 5 * 60_000)).toBe('1:05:00');
  });

  it('stops at 00:00 when the time is up, and stays there', () => {
    expect(remainingMs(deadline, at('2026-11-30T10:14:59.500Z'))).toBe(500);
    expect(formatCountdown(remainingMs(deadline, at('2026-11-30T10:15:00Z')))).toBe('00:00');
    expect(remainingMs(deadline, at('2026-11-30T10:20:00Z'))).toBe(0);
    expect(formatCountdown(-5_000)).toBe('00:00');
  });

  it('wakes when the text next changes', () => {
    expect(nextTickMs(14_250)).toBe(250);
    expect(nextTickMs(14_000)).toBe(1000);
    expect(nextTickMs(0)).toBe(0);
  });
});

describe('cursor-paged lists', () => {
  const item = (id: number) => ({ id });

  it('replaces the list with a first page and appends the next, each entry once', () => {
    expect(hasMore(emptyPagedList())).toBe(false);
    const first = withFirstPage({ items: [item(12), item(11)], nextCursor: 11 });
    expect(hasMore(first)).toBe(true);
    // An order made meanwhile pushed 11 onto the next page: it is not shown twice.
    const next = withNextPage(first, { items: [item(11), item(10)], nextCursor: null });
    expect(next.items.map((i) => i.id)).toEqual([12, 11, 10]);
    expect(hasMore(next)).toBe(false);
    expect(withFirstPage({ items: [item(13)], nextCursor: null }).items).toEqual([item(13)]);
  });
});

describe('page parameters', () => {
  it('take positive whole ids only', () => {
    expect(idParam('12')).toBe(12);
    for (const bad of [undefined, '', '0', '-3', '1.5', 'abc', '12abc', '99999999999999999999'])
      expect(idParam(bad), String(bad)).toBeNull();
  });
});
