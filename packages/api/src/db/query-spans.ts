/**
 * A CLIENT span per database query. Kysely calls its `log` hook when a query has run (or failed),
 * in the async context of the code that ran it and with the query's duration, so each span is
 * written after the fact (it started `queryDurationMillis` ago) as a child of whatever span was
 * active: the procedure's. Queries outside any span (the order sweeper's and the job runner's
 * polls, every few seconds) get none: each would be a trace of its own; nor do those of a trace
 * the sampler left out. Installed only when
 * tracing is on (createDatabase's `traceQueries`): Kysely then times every query, which it
 * otherwise does not.
 *
 * The SQL text is Kysely's compiled one, with `?` placeholders: parameter values never reach a span.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import type { LogEvent, OperationNode, RootOperationNode } from 'kysely';
import { tracer } from '../tracing/tracer';
import type { DialectName } from './dialect';

/** What every span of this database says about it: system, server, database name. */
export function databaseAttributes(url: string, dialect: DialectName): Attributes {
  if (dialect === 'sqlite') return { [ATTR_DB_SYSTEM_NAME]: 'sqlite' };
  // Never the URL itself: it holds the password.
  const { hostname, port, pathname } = new URL(url);
  const namespace = decodeURIComponent(pathname.replace(/^\//, ''));
  return {
    [ATTR_DB_SYSTEM_NAME]: 'mysql',
    [ATTR_SERVER_ADDRESS]: hostname,
    [ATTR_SERVER_PORT]: port === '' ? 3306 : Number(port),
    ...(namespace === '' ? {} : { [ATTR_DB_NAMESPACE]: namespace }),
  };
}

const OPERATIONS: Partial<Record<RootOperationNode['kind'], string>> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
};

/** The table a node names (`users`, `users as u`), if it is one. */
function tableName(node: OperationNode | undefined): string | undefined {
  if (node?.kind === 'AliasNode') return tableName((node as OperationNode & { node: OperationNode }).node);
  if (node?.kind !== 'TableNode') return undefined;
  return (node as OperationNode & { table: { identifier: { name: string } } }).table.identifier.name;
}

/** The query's main table: FROM of a select or delete, INTO of an insert, the updated table. */
function collectionOf(query: RootOperationNode): string | undefined {
  const node = query as RootOperationNode & {
    from?: { froms: readonly OperationNode[] };
    into?: OperationNode;
    table?: OperationNode;
  };
  switch (query.kind) {
    case 'SelectQueryNode':
    case 'DeleteQueryNode':
      return tableName(node.from?.froms[0]);
    case 'InsertQueryNode':
      return tableName(node.into);
    case 'UpdateQueryNode':
      return tableName(node.table);
    default:
      return undefined;
  }
}

/** mysql2's `code` and `errno`, node:sqlite's `errcode`. */
function errorFacts(error: unknown): Attributes {
  const { code, errno, errcode, name } = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const status = typeof errno === 'number' ? errno : typeof errcode === 'number' ? errcode : undefined;
  return {
    [ATTR_ERROR_TYPE]: typeof code === 'string' ? code : typeof name === 'string' ? name : 'Error',
    ...(status === undefined ? {} : { [ATTR_DB_RESPONSE_STATUS_CODE]: String(status) }),
  };
}

/** Kysely's `log` option: a span for each query of this database. */
export function querySpans(database: Attributes): (event: LogEvent) => void {
  return (event) => {
    const end = performance.now();
    // Nothing to hang it on, or a trace not sampled (its children would not be either).
    if (trace.getSpan(context.active())?.isRecording() !== true) return;
    const { query } = event;
    const operation = OPERATIONS[query.query.kind] ?? /^\s*(\w+)/.exec(query.sql)?.[1]?.toUpperCase() ?? 'QUERY';
    const collection = collectionOf(query.query);
    const span = tracer.startSpan(collection === undefined ? operation : `${operation} ${collection}`, {
      kind: SpanKind.CLIENT,
      // performance.now()'s clock, which the SDK reads as such.
      startTime: end - event.queryDurationMillis,
      attributes: {
        ...database,
        [ATTR_DB_OPERATION_NAME]: operation,
        [ATTR_DB_QUERY_TEXT]: query.sql,
        ...(collection === undefined ? {} : { [ATTR_DB_COLLECTION_NAME]: collection }),
      },
    });
    if (event.level === 'error') {
      span.setAttributes(errorFacts(event.error));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(end);
  };
}
