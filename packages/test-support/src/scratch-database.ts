/**
 * A MySQL database of its own for one test file or run (`app_test_<purpose>_<random>`), dropped
 * afterwards, so suites run in parallel without sharing rows.
 */
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { TEST_MYSQL_URL } from './test-services';

export interface ScratchDatabase {
  name: string;
  /** The database's own URL. */
  url: string;
  drop(): Promise<void>;
}

async function query(sql: string): Promise<void> {
  const connection = await createConnection({ uri: TEST_MYSQL_URL });
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

export async function createScratchDatabase(purpose = 'suite'): Promise<ScratchDatabase> {
  const name = `app_test_${purpose}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  return { name, url: `${TEST_MYSQL_URL}/${name}`, drop: () => query(`DROP DATABASE IF EXISTS \`${name}\``) };
}
