/**
 * The quantity a buyer may choose on 确认订单: at least 1, at most what is in stock and at most
 * the server's limit per line (MAX_ITEM_QUANTITY, 99). The server checks both again; these bounds
 * only keep the stepper from offering what would be refused.
 */
import { MAX_ITEM_QUANTITY } from '@app/shared';

/** The most of a product one order may take: its stock, capped at 99; 0 when it is sold out. */
export function maxQuantity(stock: number): number {
  return Math.max(0, Math.min(Math.floor(stock), MAX_ITEM_QUANTITY));
}

/** A quantity within 1…maxQuantity(stock); 0 only when nothing can be bought. */
export function clampQuantity(quantity: number, stock: number): number {
  const max = maxQuantity(stock);
  if (max === 0) return 0;
  if (!Number.isFinite(quantity)) return 1;
  return Math.min(max, Math.max(1, Math.floor(quantity)));
}

/** What the buyer typed, as a quantity within bounds; null when it is no number (keep the last one). */
export function parseQuantity(text: string, stock: number): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  return clampQuantity(Number(trimmed), stock);
}

export function canDecrease(quantity: number): boolean {
  return quantity > 1;
}

export function canIncrease(quantity: number, stock: number): boolean {
  return quantity < maxQuantity(stock);
}
