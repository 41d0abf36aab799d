/**
 * Node's built-in SQLite (`node:sqlite`) in the shape Kysely's SqliteDialect drives (the
 * better-sqlite3 API): the embedded default needs no native addon to compile, on any machine.
 */
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import type { SQLInputValue, StatementSync } from 'node:sqlite';

type Parameters = readonly unknown[];

/** Statements that return rows, for a Node.js without `StatementSync#columns` (before 22.16). */
const RETURNS_ROWS = /^\s*(select|with|pragma|values|explain)\b|\breturning\b/i;

function adapt(statement: StatementSync, sql: string): SqliteStatement {
  // The dialect hands over values SQLite can bind (see SqliteValuesPlugin in dialect.ts).
  const values = (parameters: Parameters) => parameters as SQLInputValue[];
  return {
    reader: typeof statement.columns === 'function' ? statement.columns().length > 0 : RETURNS_ROWS.test(sql),
    all: (parameters) => statement.all(...values(parameters)),
    run: (parameters) => statement.run(...values(parameters)),
    iterate: (parameters) => statement.iterate(...values(parameters)),
  };
}

export async function openNodeSqlite(file: string): Promise<SqliteDatabase> {
  const { DatabaseSync } = await import('node:sqlite');
  const connection = new DatabaseSync(file);
  if (file !== ':memory:') connection.exec('PRAGMA journal_mode = WAL');
  connection.exec('PRAGMA foreign_keys = ON');
  connection.exec('PRAGMA busy_timeout = 5000');
  return {
    prepare: (sql) => adapt(connection.prepare(sql), sql),
    close: () => connection.close(),
  };
}
