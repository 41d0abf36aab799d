/**
 * Real databases for tests: each caller gets its own freshly created and migrated MySQL database
 * (dropped afterwards), or an in-memory SQLite one. Files run in parallel without sharing rows.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { createDatabase, type DialectName } from '../../src/db/dialect';
import { migrateToLatest } from '../../src/db/migrate';
import type { Database } from '../../src/db/schema';

/** Server URL without a database name; the test user may create `app_test_*` databases. */
export const TEST_MYSQL_URL = (process.env.TEST_MYSQL_URL ?? 'mysql://app_test:app_test@127.0.0.1:3306').replace(/\/+$/, '');

export interface TestDatabase {
  dialect: DialectName;
  url: string;
  db: Kysely<Database>;
  destroy(): Promise<void>;
}

export async function createMysqlTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `app_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await createConnection({ uri: TEST_MYSQL_URL });
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  const url = `${TEST_MYSQL_URL}/${name}`;
  const db = createDatabase({ url, poolSize: 4 });
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    dialect: 'mysql',
    url,
    db,
    async destroy() {
      await db.destroy();
      const conn = await createConnection({ uri: TEST_MYSQL_URL });
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}

export async function createSqliteTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const url = 'sqlite::memory:';
  const db = createDatabase({ url });
  if (options.migrate !== false) await migrateToLatest(db);
  return { dialect: 'sqlite', url, db, destroy: () => db.destroy() };
}

/** Both dialects, for tests that must hold on each. */
export const dialects: ReadonlyArray<readonly [DialectName, (options?: { migrate?: boolean }) => Promise<TestDatabase>]> = [
  ['mysql', createMysqlTestDatabase],
  ['sqlite', createSqliteTestDatabase],
];

/** A MySQL URL where nothing listens: the database is "down". */
export const UNREACHABLE_MYSQL_URL = 'mysql://nobody:nothing@127.0.0.1:1/none';
