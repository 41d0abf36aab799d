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
import { databaseAttributes, querySpans } from './query-spans';
import type { Database } from './schema';

export type DialectName = 'mysql' | 'sqlite';

/** Told when queries succeed, so an outage episode can end (see OutageLog). */
export interface QueryOutcomeListener {
  recovered(): void;
}

export interface DatabaseOptions {
  /** `mysql://user:pass@host:port/db`, or `sqlite:<file>` / `sqlite::memory:`. */
  url: string;
  /** mysql2 pool size. */
  poolSize?: number;
  /** How long a MySQL connection attempt may take, in ms. */
  connectTimeoutMs?: number;
  /** Told after each successful query (cheap: a flag check), to close an outage episode. */
  outage?: QueryOutcomeListener;
  /** A tracing span per query (query-spans.ts); only when tracing is on, as it times every query. */
  traceQueries?: boolean;
}

/** Tells the listener a query succeeded. */
class QueryOutcomePlugin implements KyselyPlugin {
  constructor(private readonly listener: QueryOutcomeListener) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.listener.recovered();
    return Promise.resolve(args.result);
  }
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
  const dialect = dialectOfUrl(options.url);
  // A span per query only with tracing on: Kysely's log hook costs nothing when absent.
  const log = options.traceQueries ? { log: querySpans(databaseAttributes(options.url, dialect)) } : {};
  if (dialect === 'mysql') {
    const connectionLimit = options.poolSize ?? 10;
    let created: MysqlPoolState | undefined;
    const pool = async () => {
      const { createPool } = await import('mysql2');
      const made = createPool({
        uri: options.url,
        connectionLimit,
        connectTimeout: options.connectTimeoutMs ?? 5_000,
        timezone: 'Z',
        charset: 'utf8mb4_unicode_ci',
        dateStrings: false,
      });
      created = made as unknown as MysqlPoolState;
      return made;
    };
    const db = new Kysely<DB>({
      dialect: new MysqlDialect({ pool }),
      plugins: options.outage ? [new QueryOutcomePlugin(options.outage)] : [],
      ...log,
    });
    poolReaders.set(db, () => mysqlPoolStats(created, connectionLimit));
    return db;
  }

  const file = sqlitePathOfUrl(options.url);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  return new Kysely<DB>({
    dialect: new SqliteDialect({ database: () => openNodeSqlite(file) }),
    plugins: [new SqliteValuesPlugin(), ...(options.outage ? [new QueryOutcomePlugin(options.outage)] : [])],
    ...log,
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely is generic over the schema; these helpers only need the executor
export type AnyKysely = Kysely<any>;

/** A connection pool's occupancy, for metrics. */
export interface PoolStats {
  /** Most connections the pool opens (DB_POOL_SIZE). */
  max: number;
  /** Connections lent to a query or transaction now. */
  inUse: number;
  /** Requests for a connection waiting for one to come back. */
  waiting: number;
}

/**
 * The parts of a mysql2 pool that say how busy it is. mysql2 has no public API for this: these are
 * its pool's own queues (lib/base/pool.js), read only when metrics are scraped, and read
 * defensively, so a mysql2 that renames them reports zeros instead of failing.
 */
interface MysqlPoolState {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

function mysqlPoolStats(pool: MysqlPoolState | undefined, max: number): PoolStats {
  const all = pool?._allConnections?.length ?? 0;
  const free = pool?._freeConnections?.length ?? 0;
  return { max, inUse: Math.max(0, all - free), waiting: pool?._connectionQueue?.length ?? 0 };
}

const poolReaders = new WeakMap<AnyKysely, () => PoolStats>();

/**
 * How busy the database's connection pool is; null when there is no pool (the embedded SQLite is
 * a single connection inside this process) or the database was not made by createDatabase.
 */
export function poolStatsOf(db: AnyKysely): PoolStats | null {
  return poolReaders.get(db)?.() ?? null;
}

export function dialectOf(db: AnyKysely): DialectName {
  return db.getExecutor().adapter instanceof MysqlAdapter ? 'mysql' : 'sqlite';
}

/**
 * mysql2's codes for "the database cannot be reached or dropped us" (as opposed to a bad query):
 * the request should be retried later (503), and the outage logged once, not per request.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
]);
/** SQLITE_BUSY and SQLITE_LOCKED, with their extended codes (the low byte). */
const SQLITE_BUSY_OR_LOCKED = new Set([5, 6]);

/**
 * Whether an error (or one of its causes) says the database is unavailable rather than the query
 * wrong. A network code counts only on an error mysql2 marks `fatal` (its connection is gone): the
 * same codes on other errors (a client that hung up mid-upload: ECONNRESET) are not the database's.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth += 1) {
    const { code, errcode, message, cause, fatal } = current as {
      code?: unknown;
      errcode?: unknown;
      message?: unknown;
      cause?: unknown;
      fatal?: unknown;
    };
    if (
      typeof code === 'string' &&
      UNAVAILABLE_CODES.has(code) &&
      (fatal === true || code.startsWith('ER_') || code.startsWith('PROTOCOL_'))
    )
      return true;
    if (typeof errcode === 'number' && SQLITE_BUSY_OR_LOCKED.has(errcode & 0xff)) return true;
    // mysql2's pool, once closed or unable to connect, says so in words.
    if (
      typeof message === 'string' &&
      /^(Pool is closed|Connection lost: The server closed the connection|Can't add new command when connection is in closed state)/.test(
        message,
      )
    )
      return true;
    current = cause;
  }
  return false;
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

/** Whether an error from either driver says a table the query names does not exist. */
export function isMissingTable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  // mysql2 names the error; node:sqlite has one code for every SQL error, and says which in words.
  return code === 'ER_NO_SUCH_TABLE' || (code === 'ERR_SQLITE_ERROR' && typeof message === 'string' && message.startsWith('no such table'));
}

/**
 * Whether MySQL gave up a transaction to break a deadlock (or a lock wait): it was rolled back
 * whole, and running it again is safe.
 */
export function isDeadlock(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code } = error as { code?: unknown };
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/**
 * Runs a transaction again when MySQL chose it as a deadlock's victim (it was rolled back whole,
 * so running it again is safe): many confirmations of one payment or refund at once can deadlock
 * on InnoDB's index locks, and the loser should find the winner's result, not fail.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isDeadlock(error)) throw error;
    }
  }
}

const TIMESTAMP_COLUMN = /_at$/;

function toSqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/**
 * How a value is bound on this database, for a statement compiled once and run with new values
 * (prepared.ts), whose values never pass through the plugins: converted as SqliteValuesPlugin
 * converts them on SQLite, as they are on MySQL.
 */
export function parameterConverterOf(db: AnyKysely): (value: unknown) => unknown {
  return db.getExecutor().plugins.some((plugin) => plugin instanceof SqliteValuesPlugin) ? toSqliteValue : (value) => value;
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

/** How long a probe of the database waits for its answer unless told otherwise (a hung database answers never). */
export const PROBE_TIMEOUT_MS = 2_000;

/** What `query` settles to, or `otherwise` when it fails or takes longer than `timeoutMs`. */
export async function answeredWithin<T>(query: Promise<T>, timeoutMs: number, otherwise: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(otherwise), timeoutMs);
  });
  try {
    return await Promise.race([query, deadline]);
  } catch {
    return otherwise;
  } finally {
    clearTimeout(timer);
  }
}

/** `select 1` with a deadline: true when the database answers in time. */
export function pingDatabase(db: AnyKysely, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return answeredWithin(
    sql`select 1`.execute(db).then(() => true),
    timeoutMs,
    false,
  );
}
