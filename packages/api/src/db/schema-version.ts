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
import { answeredWithin, isMissingTable, PROBE_TIMEOUT_MS, type AnyKysely } from './dialect';

export const LATEST_MIGRATION = '2026_12_01_0009_exact_identifiers';

/** Kysely's Migrator keeps the names of the migrations it ran here (its default table). */
const MIGRATION_TABLE = 'kysely_migration';

/**
 * 'down': the query failed, or had no answer within `timeoutMs`; otherwise the database answered,
 * and its schema is 'current' (the newest migration of this build applied) or 'behind' (not yet,
 * or never: no migration table). One query, so that it also serves as a readiness probe's ping.
 */
export type DatabaseState = 'current' | 'behind' | 'down';

export function databaseState(db: AnyKysely, timeoutMs = PROBE_TIMEOUT_MS): Promise<DatabaseState> {
  const state = sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)} where name = ${LATEST_MIGRATION}`.execute(db).then(
    ({ rows }): DatabaseState => (rows.length > 0 ? 'current' : 'behind'),
    // No migration table: never migrated. Any other failure: it cannot serve either way.
    (error: unknown): DatabaseState => (isMissingTable(error) ? 'behind' : 'down'),
  );
  return answeredWithin(state, timeoutMs, 'down');
}
