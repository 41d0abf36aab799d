/**
 * Statements built and compiled once, then run with new values: Kysely builds a query's tree and
 * compiles it to SQL again on every call, and for a sign-in's two statements that was ~9 % of its
 * CPU (bench/ab.mjs, paired, 10 pairs: B/A 0.914). For the hot paths only; everything else reads
 * better as a plain Kysely query.
 *
 *   const byOpenid = prepare<{ openid: string }, UserRow>((db, value) =>
 *     db.selectFrom('users').selectAll().where('openid', '=', value('openid')));
 *   const { rows } = await byOpenid.execute(db, { openid });
 *
 * `value(name)` stands for a value given at each run. The statement is compiled on its first run
 * with a database of each dialect (a transaction shares its database's), with markers in place of
 * the values; each run binds the values by name, converted as the dialect binds them (dialect.ts).
 * Anything else in the statement (a literal, a `null` compared with `is`) is compiled in for good.
 */
import type { Compilable, CompiledQuery, DialectAdapter, Kysely, QueryResult } from 'kysely';
import { parameterConverterOf } from './dialect';
import type { Database } from './schema';

type Db = Kysely<Database>;

/** A compiled statement's parameters: each a value's name, or a constant compiled in. */
type Binding = { name: string } | { constant: unknown };

interface Compiled {
  query: CompiledQuery;
  bindings: Binding[];
  convert: (value: unknown) => unknown;
}

/** The prefix of the markers compiled in place of the values; no real value starts with a NUL. */
const MARKER = '\u0000prepared:';

export interface PreparedStatement<Values, Row> {
  execute(db: Db, values: Values): Promise<QueryResult<Row>>;
}

export function prepare<Values extends object, Row = never>(
  build: (db: Db, value: <K extends keyof Values & string>(name: K) => Values[K]) => Compilable<Row>,
): PreparedStatement<Values, Row> {
  // Per dialect adapter: one per database, shared by its transactions.
  const compiledFor = new WeakMap<DialectAdapter, Compiled>();
  const value = <K extends keyof Values & string>(name: K) => `${MARKER}${name}` as Values[K];

  function compile(db: Db): Compiled {
    const query = build(db, value).compile();
    const bindings = query.parameters.map((parameter): Binding =>
      typeof parameter === 'string' && parameter.startsWith(MARKER) ? { name: parameter.slice(MARKER.length) } : { constant: parameter },
    );
    return { query, bindings, convert: parameterConverterOf(db) };
  }

  return {
    execute(db, values) {
      const adapter = db.getExecutor().adapter;
      let compiled = compiledFor.get(adapter);
      if (compiled === undefined) {
        compiled = compile(db);
        compiledFor.set(adapter, compiled);
      }
      const { query, bindings, convert } = compiled;
      const named = values as Record<string, unknown>;
      const parameters = bindings.map((binding) => ('name' in binding ? convert(named[binding.name]) : binding.constant));
      return db.executeQuery<Row>({ ...query, parameters });
    },
  };
}
