import type { Product, ProductList } from '@app/shared';
import type { Kysely } from 'kysely';
import type { Database, ProductRow } from '../../db/schema';
import { AppError } from '../../errors';
import { findProductById, listOnShelfProducts } from './catalog.repository';

export function toProduct(row: ProductRow): Product {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    priceFen: row.price_fen,
    stock: row.stock,
    imageUrl: row.image_url,
    onShelf: row.on_shelf === 1,
  };
}

export async function listProducts({ db }: { db: Kysely<Database> }, cursor: number | null, limit: number): Promise<ProductList> {
  const rows = await listOnShelfProducts(db, cursor, limit);
  const page = rows.slice(0, limit);
  return { items: page.map(toProduct), nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/** A product off the shelf is still shown (an order may link to it), marked so. */
export async function getProduct({ db }: { db: Kysely<Database> }, id: number): Promise<Product> {
  const row = await findProductById(db, id);
  if (!row) throw new AppError('PRODUCT_NOT_FOUND');
  return toProduct(row);
}
