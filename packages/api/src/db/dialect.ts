/**
 * Every difference between MySQL (mysql2) and the embedded SQLite default lives in this file,
 * so repositories and migrations are written once:
 * - connection: `mysql://…` opens a mysql2 pool, anything else a file of Node's built-in SQLite;
 * - values: SQLite binds no Date and no boolean, so a plugin turns them into ISO text and 0/1 on
 *   the way in, and turns `*_at` columns back into Dates on the way out. MySQL stores DATETIME(3)
 *   in UTC and mysql2 returns Dates already;
 * - how each reports a unique-key violation. (Migrations keep frozen snapshots of their column types.)
 */
import {
  Kysely,
  MysqlAdapter,
  MysqlDialect,
  OperationNodeTransformer,
  PrimitiveValueListNode,
  SqliteDialect,
  ValueNode,
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openNodeSqlite } from './node-sqlite';
import type { Database } from './schema';

export type DialectName = 'mysql' | 'sqlite';

export interface DatabaseOptions {
  /** `mysql://user:pass@host:port/db`, or `sqlite:<file>` / `sqlite::memory:`. */
  url: string;
  /** mysql2 pool size. */
  poolSize?: number;
  /** How long a MySQL connection attempt may take, in ms. */
  connectTimeoutMs?: number;
}

export function dialectOfUrl(url: string): DialectName {
  return /^mysql:\/\//i.test(url) ? 'mysql' : 'sqlite';
}

export function sqlitePathOfUrl(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/i, '');
}

/**
 * Each driver is loaded when the first query needs a connection, and only the one in use: a server
 * on SQLite never loads mysql2 (a megabyte of code with its charsets), and start-up stays short.
 */
export function createDatabase<DB = Database>(options: DatabaseOptions): Kysely<DB> {
  if (dialectOfUrl(options.url) === 'mysql') {
    const pool = async () => {
      const { createPool } = await import('mysql2');
      return createPool({
        uri: options.url,
        connectionLimit: options.poolSize ?? 10,
        connectTimeout: options.connectTimeoutMs ?? 5_000,
        timezone: 'Z',
        charset: 'utf8mb4_unicode_ci',
        dateStrings: false,
      });
    };
    return new Kysely<DB>({ dialect: new MysqlDialect({ pool }) });
  }

  const file = sqlitePathOfUrl(options.url);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return new Kysely<DB>({
    dialect: new SqliteDialect({ database: () => openNodeSqlite(file) }),
    plugins: [new SqliteValuesPlugin()],
  });
}

// Kysely is generic over the schema; these helpers only need the executor.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;

export function dialectOf(db: AnyKysely): DialectName {
  return db.getExecutor().adapter instanceof MysqlAdapter ? 'mysql' : 'sqlite';
}

const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

/** Whether an error from either driver is a unique-key violation (a lost insert race, say). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  // mysql2 names the error; node:sqlite gives SQLite's extended result code.
  return code === 'ER_DUP_ENTRY' || errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY;
}

const TIMESTAMP_COLUMN = /_at$/;

function toSqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

class SqliteParameterTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = toSqliteValue(node.value);
    return value === node.value ? super.transformValue(node) : ValueNode.create(value);
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return PrimitiveValueListNode.create(node.values.map(toSqliteValue));
  }
}

/** Date/boolean parameters in, `*_at` columns out as Dates: SQLite's half of the contract. */
export class SqliteValuesPlugin implements KyselyPlugin {
  readonly #transformer = new SqliteParameterTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const rows = args.result.rows.map((row) => {
      let copy: UnknownRow | null = null;
      for (const [key, value] of Object.entries(row)) {
        if (typeof value === 'string' && TIMESTAMP_COLUMN.test(key)) {
          copy ??= { ...row };
          copy[key] = new Date(value);
        }
      }
      return copy ?? row;
    });
    return Promise.resolve({ ...args.result, rows });
  }
}

/** `select 1` with a deadline: true when the database answers in time. */
export async function pingDatabase(db: AnyKysely, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([sql`select 1`.execute(db).then(() => true), deadline]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
