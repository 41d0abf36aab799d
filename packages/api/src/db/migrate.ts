import { Migrator, type MigrationResult } from 'kysely';
import type { AnyKysely } from './dialect';
import { migrations } from './migrations';

export interface MigrationStatus {
  name: string;
  executedAt: Date | null;
}

export class MigrationFailedError extends Error {
  constructor(
    readonly migration: string | null,
    cause: unknown,
  ) {
    super(`migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'MigrationFailedError';
  }
}

function migratorFor(db: AnyKysely): Migrator {
  return new Migrator({ db, provider: { getMigrations: () => Promise.resolve(migrations) } });
}

function unwrap(outcome: { error?: unknown; results?: MigrationResult[] }): string[] {
  const results = outcome.results ?? [];
  if (outcome.error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName ?? null, outcome.error);
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Applies every pending migration; returns the names applied (empty when up to date). */
export async function migrateToLatest(db: AnyKysely): Promise<string[]> {
  return unwrap(await migratorFor(db).migrateToLatest());
}

/** Migrates up or down to the named migration (it stays applied); returns the names run. */
export async function migrateTo(db: AnyKysely, name: string): Promise<string[]> {
  return unwrap(await migratorFor(db).migrateTo(name));
}

/** Reverts the most recent migration; returns its name, or null when none was applied. */
export async function migrateDown(db: AnyKysely): Promise<string | null> {
  return unwrap(await migratorFor(db).migrateDown())[0] ?? null;
}

export async function migrationStatus(db: AnyKysely): Promise<MigrationStatus[]> {
  const infos = await migratorFor(db).getMigrations();
  return infos.map((info) => ({ name: info.name, executedAt: info.executedAt ?? null }));
}
