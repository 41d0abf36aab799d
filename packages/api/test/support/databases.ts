/**
 * Real databases for tests: each caller gets its own freshly created and migrated MySQL database
 * (dropped afterwards), or an in-memory SQLite one. Files run in parallel without sharing rows.
 */
import { createScratchDatabase } from '@app/test-support';
import type { Kysely } from 'kysely';
import { createDatabase, type DialectName } from '../../src/db/dialect';
import { migrateToLatest } from '../../src/db/migrate';
import type { Database } from '../../src/db/schema';

export interface TestDatabase {
  dialect: DialectName;
  url: string;
  db: Kysely<Database>;
  destroy(): Promise<void>;
}

export async function createMysqlTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const scratch = await createScratchDatabase('api');
  const db = createDatabase({ url: scratch.url, poolSize: 4 });
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    dialect: 'mysql',
    url: scratch.url,
    db,
    async destroy() {
      await db.destroy();
      await scratch.drop();
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
