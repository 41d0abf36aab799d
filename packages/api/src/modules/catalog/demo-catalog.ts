/**
 * The demo catalog for development and the end-to-end tests (`npm run db:seed`): products with
 * Chinese names and a picture each, served by the server from its uploads like any image. The
 * pictures are drawn here (a plain PNG in the product's colour) so the repository holds no binaries.
 */
import { crc32, deflateSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema';
import type { UploadStorage } from '../uploads/upload-storage';
import { storeByContent } from '../uploads/uploads.service';
import { insertProduct } from './catalog.repository';

interface DemoProduct {
  title: string;
  description: string;
  priceFen: number;
  stock: number;
  /** The picture's colour, RGB. */
  colour: readonly [number, number, number];
}

export const DEMO_PRODUCTS: readonly DemoProduct[] = [
  { title: '云南小粒咖啡豆 250g', description: '中度烘焙，坚果与焦糖风味', priceFen: 6800, stock: 100, colour: [111, 78, 55] },
  { title: '景德镇白瓷马克杯', description: '手工拉坯，容量 350ml', priceFen: 4500, stock: 40, colour: [236, 236, 230] },
  { title: '西湖龙井 明前特级 50g', description: '豆香清雅，汤色嫩绿', priceFen: 12800, stock: 30, colour: [122, 160, 90] },
  { title: '手工牛轧糖礼盒', description: '蔓越莓与扁桃仁，12 颗装', priceFen: 3900, stock: 80, colour: [240, 215, 190] },
  { title: '竹制便当盒', description: '双层可微波，附筷子', priceFen: 5900, stock: 25, colour: [205, 170, 110] },
  { title: '宣纸笔记本 A5', description: '线装 96 页，适合钢笔与毛笔', priceFen: 2600, stock: 60, colour: [245, 240, 225] },
  { title: '桂花乌龙冷泡茶 10 包', description: '冷水 4 小时即可饮用', priceFen: 3200, stock: 120, colour: [230, 180, 60] },
  { title: '羊毛混纺围巾', description: '160×30cm，藏青色', priceFen: 15900, stock: 15, colour: [35, 50, 90] },
  { title: '黄铜书签（限量）', description: '手工錾刻，每批仅 1 件', priceFen: 8800, stock: 1, colour: [200, 160, 70] },
  { title: '陶瓷香薰炉', description: '附 6 块无烟香片', priceFen: 7600, stock: 20, colour: [170, 120, 120] },
  { title: '帆布托特包', description: '12 安加厚帆布，可装 14 寸电脑', priceFen: 6900, stock: 50, colour: [190, 185, 170] },
  { title: '云南野生菌菇干货 200g', description: '牛肝菌、鸡油菌混合装', priceFen: 9900, stock: 35, colour: [150, 110, 60] },
];

/** A `size`×`size` PNG of one colour: the signature, IHDR, one IDAT, IEND. */
export function solidPng([red, green, blue]: readonly [number, number, number], size = 240): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = Buffer.alloc(1 + size * 3); // filter byte 0, then the pixels
  for (let x = 0; x < size; x++) row.set([red, green, blue], 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Loads the demo catalog when the products table is empty; a second run changes nothing.
 * Resolves to how many products it added.
 */
export async function seedDemoCatalog(db: Kysely<Database>, storage: UploadStorage, now: Date): Promise<number> {
  const existing = await db
    .selectFrom('products')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  if (Number(existing.count) > 0) return 0;
  for (const product of DEMO_PRODUCTS) {
    // Stored as uploads are, so the server's /uploads route serves it.
    const { url } = await storeByContent(storage, solidPng(product.colour), 'png');
    await insertProduct(db, { ...product, imageUrl: url }, now);
  }
  return DEMO_PRODUCTS.length;
}
