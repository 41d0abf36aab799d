/**
 * Products table access. Plain functions taking the database or a transaction first.
 */
import type { Kysely } from 'kysely';
import type { Database, ProductRow } from '../../db/schema';

type Db = Kysely<Database>;

/** One page of the shelf, by id; one row more than asked tells whether another page follows. */
export async function listOnShelfProducts(db: Db, afterId: number | null, limit: number): Promise<ProductRow[]> {
  let query = db.selectFrom('products').selectAll().where('on_shelf', '=', 1);
  if (afterId !== null) query = query.where('id', '>', afterId);
  return query
    .orderBy('id', 'asc')
    .limit(limit + 1)
    .execute();
}

export async function findProductById(db: Db, id: number): Promise<ProductRow | undefined> {
  return db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findProductsByIds(db: Db, ids: readonly number[]): Promise<ProductRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('products').selectAll().where('id', 'in', ids).execute();
}

/**
 * Takes `quantity` from the stock if that much is there, in one conditional update: two buyers
 * of the last item cannot both succeed, and the stock never goes below zero. True when taken.
 */
export async function takeStock(db: Db, productId: number, quantity: number, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('products')
    .set((eb) => ({ stock: eb('stock', '-', quantity), updated_at: now }))
    .where('id', '=', productId)
    .where('on_shelf', '=', 1)
    .where('stock', '>=', quantity)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function returnStock(db: Db, productId: number, quantity: number, now: Date): Promise<void> {
  await db
    .updateTable('products')
    .set((eb) => ({ stock: eb('stock', '+', quantity), updated_at: now }))
    .where('id', '=', productId)
    .execute();
}

export interface NewProduct {
  title: string;
  description: string;
  priceFen: number;
  stock: number;
  imageUrl: string | null;
  /** Put on the shelf (the default) or kept off it. */
  onShelf?: boolean;
}

export async function insertProduct(db: Db, product: NewProduct, now: Date): Promise<number> {
  const result = await db
    .insertInto('products')
    .values({
      title: product.title,
      description: product.description,
      price_fen: product.priceFen,
      stock: product.stock,
      image_url: product.imageUrl,
      on_shelf: product.onShelf === false ? 0 : 1,
      created_at: now,
      updated_at: now,
    })
    .executeTakeFirstOrThrow();
  return Number(result.insertId);
}
