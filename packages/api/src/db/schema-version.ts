/**
 * Whether the database has the schema this build was written for: the newest of its migrations
 * applied. The server does not carry the migrations (they are the migration CLI's, a bundle of
 * their own), only the newest one's name; test/db/migrations.test.ts keeps it the last of
 * migrations/index.ts. A database further on (a newer version migrated it during a release, while
 * this one still serves) counts as current: a migration adds what the next version needs and keeps
 * what the previous one uses.
 *
 * Why it matters: a server started before its release's migrations ran (an image's `migrate up`
 * skipped, a release step in the wrong order) answers its probes and fails every request that
 * reaches a new table or column, with a driver message ("no such table: jobs") as the only clue.
 */
import { sql } from 'kysely';
import { isDatabaseUnavailable, type AnyKysely } from './dialect';

export const LATEST_MIGRATION = '2026_12_01_0009_exact_identifiers';

/** Kysely's Migrator keeps the names of the migrations it ran here (its default table). */
const MIGRATION_TABLE = 'kysely_migration';

export type SchemaState = 'current' | 'behind';

/**
 * 'current' once the newest migration of this build is applied; 'behind' before (the migration
 * table missing included). Rejects when the database itself is unavailable: that is not the
 * schema's state, and the caller's ping says it.
 */
export async function schemaState(db: AnyKysely): Promise<SchemaState> {
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} where name = ${LATEST_MIGRATION}`.execute(
      db,
    );
    return rows.length > 0 ? 'current' : 'behind';
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    return 'behind';
  }
}
