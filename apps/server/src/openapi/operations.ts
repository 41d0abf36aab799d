/**
 * The REST operations of a router: its procedures that carry `.meta({ openapi })`, read once,
 * with what the document and the routes both need. A procedure whose meta cannot be served as
 * written (a query that is not a GET, a path field the input lacks) stops the start, naming it.
 */
import { requiresSession, type OpenApiOperationMeta, type ProcedureMeta } from '@app/api';
import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import type { $ZodType } from 'zod/v4/core';

export interface RestOperation {
  /** The procedure's path, e.g. `catalog.get`: also the operationId. */
  procedurePath: string;
  type: 'query' | 'mutation';
  method: OpenApiOperationMeta['method'];
  /** The OpenAPI path below the REST prefix, `/orders/{id}`. */
  path: string;
  /** The same path as Fastify writes it, `/orders/:id`. */
  routePath: string;
  pathParams: string[];
  /** GET reads its input from the query string; the other methods from a JSON body. */
  inputFrom: 'query' | 'body';
  meta: OpenApiOperationMeta;
  input: $ZodType | undefined;
  output: $ZodType;
  requiresSession: boolean;
}

/** What tRPC 11 keeps on a built procedure at run time (its public types leave out the parsers). */
interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  meta?: ProcedureMeta;
  inputs: unknown[];
  output?: unknown;
}

const isZodSchema = (value: unknown): value is $ZodType => typeof value === 'object' && value !== null && '_zod' in value;

/** The field names of a zod object schema, or null when the input is not an object. */
function objectKeys(schema: $ZodType): string[] | null {
  const def = schema._zod.def as { type: string; shape?: Record<string, unknown> };
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : null;
}

function operationOf(procedurePath: string, procedure: AnyTRPCProcedure, meta: OpenApiOperationMeta): RestOperation {
  const def = procedure._def as unknown as ProcedureDef;
  const fail = (problem: string) => new Error(`${procedurePath}'s openapi meta (${meta.method} ${meta.path}): ${problem}`);
  if (def.type === 'subscription') throw fail('a subscription has no REST form');
  if ((def.type === 'query') !== (meta.method === 'GET')) throw fail('queries are GETs, and only queries');
  if (def.inputs.length > 1) throw fail('one .input() only: merged inputs are not described');
  const [input] = def.inputs;
  if (input !== undefined && !isZodSchema(input)) throw fail('the input is not a zod schema');
  if (!isZodSchema(def.output)) throw fail('a documented procedure declares its .output() schema');
  const inputFrom = meta.method === 'GET' ? 'query' : 'body';
  const keys = input ? objectKeys(input) : null;
  if (input && inputFrom === 'query' && !keys) throw fail('a GET input must be an object (its fields are query parameters)');
  const pathParams = [...meta.path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
  for (const param of pathParams) if (!keys?.includes(param)) throw fail(`the path names {${param}}, which is not a field of the input`);
  return {
    procedurePath,
    type: def.type,
    method: meta.method,
    path: meta.path,
    routePath: meta.path.replace(/\{([^}]+)\}/g, ':$1'),
    pathParams,
    inputFrom,
    meta,
    input,
    output: def.output,
    requiresSession: requiresSession(procedure),
  };
}

export function restOperationsOf(router: AnyTRPCRouter): RestOperation[] {
  const operations: RestOperation[] = [];
  const seen = new Map<string, string>();
  for (const [procedurePath, procedure] of Object.entries(router._def.procedures as Record<string, AnyTRPCProcedure>)) {
    const meta = (procedure._def as unknown as ProcedureDef).meta?.openapi;
    if (!meta) continue;
    const operation = operationOf(procedurePath, procedure, meta);
    const route = `${operation.method} ${operation.routePath}`;
    const other = seen.get(route);
    if (other) throw new Error(`${procedurePath} and ${other} both claim ${operation.method} ${operation.path}`);
    seen.set(route, procedurePath);
    operations.push(operation);
  }
  return operations;
}
