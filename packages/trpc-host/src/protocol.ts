/**
 * Reading a request as tRPC 11's HTTP protocol defines it, with the official adapter's rules and
 * messages (resolveResponse.ts and contentType.ts in @trpc/server): the procedure path(s), the
 * content type, batching, the inputs. Everything here throws TRPCErrors the host answers with.
 */
import { TRPCError, type TRPCPathSeparator, type TRPCProcedureType } from '@trpc/server';
import { parseConnectionParamsFromString } from '@trpc/server/http';
import type { FastifyRequest } from 'fastify';
import type { PlannedProcedure, RouterPlan } from './router-plan';

export interface Call {
  index: number;
  path: string;
  /** The procedure the host serves at this path, if any. */
  procedure: PlannedProcedure | undefined;
  /** The type of the router's procedure at this path, served or not. */
  type: TRPCProcedureType | undefined;
}

export interface ParsedRequest {
  isBatch: boolean;
  calls: Call[];
  /** The one type of the request's procedures ('unknown' when none was found). */
  type: TRPCProcedureType | 'unknown';
  inputs: Inputs;
  /** The client asked for a streamed answer (httpBatchStreamLink's `trpc-accept: application/jsonl`). */
  wantsStream: boolean;
}

export interface ReadOptions {
  plan: RouterPlan;
  maxBatchSize: number;
  pathSeparator: TRPCPathSeparator;
  deserialize: (value: unknown) => unknown;
}

/**
 * A query parameter as the adapter reads it (URLSearchParams#get): the first of repeated ones,
 * malformed escapes kept (and invalid UTF-8 as U+FFFD). Fastify has parsed the query string
 * already; where its parse could differ (arrays, a `%` left after decoding) it is read again.
 */
function searchParam(request: FastifyRequest, name: string): string | null {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  if (value === undefined) return null;
  if (typeof value === 'string' && !value.includes('%')) return value;
  const url = request.url;
  const start = url.indexOf('?');
  return start === -1 ? null : new URLSearchParams(url.slice(start + 1)).get(name);
}

/** `decodeURIComponent`, with a malformed escape as the client's error (as the adapter does). */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid URL-encoding in path "${path}"`, cause });
  }
}

/** `post~byId` → `post.byId` for a router with `pathSeparator: '~'` (dotted URLs still resolve). */
function toProcedurePath(urlPath: string, separator: TRPCPathSeparator): string {
  return separator === '.' ? urlPath : urlPath.split(separator).join('.');
}

/** The media type, lower-cased, without parameters; undefined without a Content-Type header. */
function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.toLowerCase().split(';', 1)[0]?.trim();
}

/**
 * The adapter picks a parser by content type: JSON; FormData and octet streams (POST only), which
 * this host does not serve; JSON again for a GET with any other type (so a browser can open one).
 */
function checkContentType(request: FastifyRequest): void {
  const contentType = request.headers['content-type'];
  const type = mediaType(contentType);
  if (type === 'application/json') return;
  if (type === 'multipart/form-data' || type === 'application/octet-stream') {
    if (request.method !== 'POST') {
      throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: `Only POST requests are supported for ${type} requests` });
    }
    throw new TRPCError({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: `${type} inputs are not served by this host (use the official adapter)`,
    });
  }
  if (request.method === 'GET') return;
  throw new TRPCError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    // Sic: the adapter's message lacks the closing quote; the wire stays identical.
    message: contentType !== undefined ? `Unsupported content-type "${contentType}` : 'Missing content-type header',
  });
}

/** The one type of a request's procedures; mixing queries and mutations is refused (as tRPC does). */
function procedureTypeOf(calls: readonly Call[]): TRPCProcedureType | 'unknown' {
  let type: TRPCProcedureType | 'unknown' = 'unknown';
  for (const call of calls) {
    if (call.type === undefined || call.type === type) continue;
    if (type !== 'unknown') {
      // The adapter's message names the types in the order they first appear.
      const types = new Set(calls.flatMap((c) => (c.type === undefined ? [] : [c.type])));
      throw new TRPCError({ code: 'BAD_REQUEST', message: `Cannot mix procedure types in call: ${[...types].join(', ')}` });
    }
    type = call.type;
  }
  return type;
}

/** httpBatchStreamLink asks for JSON lines with `trpc-accept`, or with `accept` (tRPC's getAcceptHeader). */
function wantsStream(request: FastifyRequest): boolean {
  const trpcAccept = request.headers['trpc-accept'];
  if (trpcAccept !== undefined) return trpcAccept === 'application/jsonl';
  const accept = request.headers.accept;
  return (
    accept !== undefined && accept.includes('application/jsonl') && accept.split(',').some((type) => type.trim() === 'application/jsonl')
  );
}

/** The request body as text; the host's content-type parser leaves JSON bodies as strings. */
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null || typeof body === 'string') return body ?? undefined;
  return JSON.stringify(body); // parsed by someone else: the adapter stringifies it again
}

/** A request's calls, in the adapter's order of checks (the first failing one is the answer). */
export function readRequest(request: FastifyRequest<{ Params: { path: string } }>, options: ReadOptions): ParsedRequest {
  const path = toProcedurePath(decodePath(request.params.path), options.pathSeparator);
  checkContentType(request);
  const isBatch = searchParam(request, 'batch') === '1';
  const paths = isBatch ? path.split(',') : [path];
  if (isBatch && paths.length > options.maxBatchSize)
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
  const calls: Call[] = paths.map((callPath, index) => {
    const procedure = options.plan.procedures.get(callPath);
    return { index, path: callPath, procedure, type: procedure?.type ?? options.plan.unservedTypes.get(callPath) };
  });
  const type = procedureTypeOf(calls);
  // Connection params are for subscriptions, which this host does not serve; a malformed one is
  // still refused, as the adapter does.
  const connectionParams = searchParam(request, 'connectionParams');
  if (connectionParams !== null) parseConnectionParamsFromString(connectionParams);
  const text = request.method === 'GET' ? (searchParam(request, 'input') ?? undefined) : bodyText(request.body);
  return { isBatch, calls, type, inputs: new Inputs(text, isBatch, calls.length, options.deserialize), wantsStream: wantsStream(request) };
}

/** The raw inputs of one request, parsed and deserialized on first use (as the official adapter does). */
class Inputs {
  #parsed: unknown[] | undefined;

  constructor(
    private readonly text: string | undefined,
    private readonly isBatch: boolean,
    private readonly count: number,
    private readonly deserialize: (value: unknown) => unknown,
  ) {}

  read(index: number): unknown {
    this.#parsed ??= this.#parse();
    return this.#parsed[index];
  }

  /** What has been parsed so far, for error shapes; never parses, never throws. */
  peek(index: number): unknown {
    return this.#parsed?.[index];
  }

  #parse(): unknown[] {
    try {
      // Empty means none: httpLink sends no body (or no `input`) for an undefined input.
      const raw: unknown = this.text ? JSON.parse(this.text) : undefined;
      if (raw === undefined) return [];
      if (!this.isBatch) return [this.deserialize(raw)];
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
      }
      const parsed: unknown[] = [];
      for (let i = 0; i < this.count; i += 1) {
        const value = (raw as Record<number, unknown>)[i];
        parsed[i] = value === undefined ? undefined : this.deserialize(value);
      }
      return parsed;
    } catch (cause) {
      if (cause instanceof TRPCError) throw cause;
      throw new TRPCError({ code: 'BAD_REQUEST', message: cause instanceof Error ? cause.message : 'Invalid input', cause });
    }
  }
}
