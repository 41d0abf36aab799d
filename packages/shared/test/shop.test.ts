import { describe, expect, it } from 'vitest';
import { createOrderInputSchema, formatFen } from '../src/schemas/shop';

describe('formatFen', () => {
  it('formats fen as yuan with two decimals, without floating point', () => {
    expect([0, 5, 50, 1250, 6800, 100_000_007].map(formatFen)).toEqual(['¥0.00', '¥0.05', '¥0.50', '¥12.50', '¥68.00', '¥1000000.07']);
    expect(formatFen(-1990)).toBe('-¥19.90');
  });
});

describe('createOrderInputSchema', () => {
  const key = 'abcdefghijklmnop';
  it('accepts a checkout and refuses what the server must never price', () => {
    expect(createOrderInputSchema.safeParse({ items: [{ productId: 1, quantity: 2 }], idempotencyKey: key }).success).toBe(true);
    for (const bad of [
      { items: [], idempotencyKey: key },
      { items: [{ productId: 1, quantity: 0 }], idempotencyKey: key },
      { items: [{ productId: 1, quantity: 100 }], idempotencyKey: key },
      { items: [{ productId: 1, quantity: 1.5 }], idempotencyKey: key },
      {
        items: [
          { productId: 1, quantity: 1 },
          { productId: 1, quantity: 1 },
        ],
        idempotencyKey: key,
      },
      { items: [{ productId: 1, quantity: 1 }], idempotencyKey: 'short' },
    ])
      expect(createOrderInputSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    // A client's price or total is stripped, never used: the parsed input has none.
    const parsed = createOrderInputSchema.parse({ items: [{ productId: 1, quantity: 1, priceFen: 1 }], idempotencyKey: key, totalFen: 1 });
    expect(parsed).toEqual({ items: [{ productId: 1, quantity: 1 }], idempotencyKey: key });
  });
});
