/**
 * The lean host against tRPC's official Fastify adapter, both serving the fixture router, each on
 * its own Fastify instance: the same requests must get the same status, body and headers (all but
 * the transport's: date, connection, content-length, transfer-encoding), and must reach `onError`
 * alike. Then the official clients (httpLink, httpBatchLink) make the same calls through both, over
 * real sockets. Where the lean host differs on purpose, a test says so and pins both behaviours.
 */
import { createTRPCClient, httpBatchLink, httpLink, TRPCClientError, type TRPCLink } from '@trpc/client';
import { initTRPC, type AnyTRPCRouter, type TRPCError } from '@trpc/server';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import superjson from 'superjson';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fastCallerCoverage, leanTrpcHost, serializeLikeSuperjson } from '../src/index';
import { compile, z } from 'zod';
import { createFixtureContext, ERROR_CODES, FIXED_DATE, fixtureRouter, type FixtureRouter } from './fixture-router';

const MAX_BATCH_SIZE = 5;
const HOSTS = ['lean', 'official'] as const;
type Host = (typeof HOSTS)[number];

/** Headers of the transport, which the two hosts write differently (the adapter streams its body). */
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

interface ReportedError {
  code: string;
  path: string | undefined;
  message: string;
}

/** What each host's onError saw, for the request under test. */
const reported: Record<Host, ReportedError[]> = { lean: [], official: [] };

/** The same extra header from both hosts' hooks (responseHeaders / responseMeta). */
const retryAfter = (errors: ReadonlyArray<TRPCError | undefined>) =>
  errors.some((error) => error?.code === 'TOO_MANY_REQUESTS') ? { 'retry-after': '30' } : undefined;

async function buildHost(host: Host, router: AnyTRPCRouter = fixtureRouter): Promise<FastifyInstance> {
  const app = Fastify();
  // As CORS does: a Vary set before tRPC answers (see the test of Vary below).
  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.origin !== undefined) reply.header('vary', 'Origin');
  });
  const onError = ({ error, path }: { error: TRPCError; path: string | undefined }) => {
    reported[host].push({ code: error.code, path, message: error.message });
  };
  if (host === 'lean') {
    await leanTrpcHost(app, {
      prefix: '/trpc',
      router,
      createContext: (request) => createFixtureContext(request.headers),
      maxBatchSize: MAX_BATCH_SIZE,
      onError,
      responseHeaders: retryAfter,
      // As the server runs it: results written by the fast path whenever the router uses superjson.
      ...(router._def._config.transformer.output.serialize === superjson.serialize ? { serializeResult: serializeLikeSuperjson } : {}),
      // As the server does: output schemas through zod's compiled parsers (async ones stay as they are).
      compileOutputSchema: (schema) => compile(schema as unknown as z.ZodType),
    });
  } else {
    await app.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router,
        maxBatchSize: MAX_BATCH_SIZE,
        createContext: ({ req }: { req: { headers: Parameters<typeof createFixtureContext>[0] } }) => createFixtureContext(req.headers),
        onError,
        responseMeta: ({ errors }: { errors: TRPCError[] }) => {
          const headers = retryAfter(errors);
          return headers ? { headers } : {};
        },
      },
    });
  }
  await app.ready();
  return app;
}

const hosts = {} as Record<Host, FastifyInstance>;

beforeAll(async () => {
  for (const host of HOSTS) hosts[host] = await buildHost(host);
});

afterAll(async () => {
  await Promise.all(HOSTS.map((host) => hosts[host].close()));
});

beforeEach(() => {
  for (const host of HOSTS) reported[host] = [];
});

// ---------------------------------------------------------------------------------------------
// Requests

const encode = (value: unknown) => encodeURIComponent(JSON.stringify(value));
/** `?input=` of a single call: the transformer's form of the value. */
const input = (value: unknown) => `input=${encode(superjson.serialize(value))}`;
/** `?batch=1&input=` of a batch: `{ "0": …, "1": … }`. */
const batchInput = (...values: unknown[]) =>
  `batch=1&input=${encode(Object.fromEntries(values.map((value, i) => [i, superjson.serialize(value)])))}`;
/** A POST of this body as written (malformed, empty, or none when undefined), as JSON unless `headers` say otherwise. */
const rawPost = (payload?: string, headers: Record<string, string> = {}): Partial<InjectOptions> => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  ...(payload === undefined ? {} : { payload }),
});
const jsonBody = (body: unknown, contentType = 'application/json', headers: Record<string, string> = {}) =>
  rawPost(JSON.stringify(body), { 'content-type': contentType, ...headers });
/** A POST of one call's input. */
const mutation = (value: unknown, headers: Record<string, string> = {}) => jsonBody(superjson.serialize(value), undefined, headers);
/** A POST of a batch's inputs: `{ "0": …, "1": … }`. */
const batchMutation = (values: unknown[], headers: Record<string, string> = {}) =>
  jsonBody(Object.fromEntries(values.map((value, i) => [i, superjson.serialize(value)])), undefined, headers);
const admin = { authorization: 'Bearer admin:Ada' };
const member = { authorization: 'Bearer member:Bob' };

interface Answer {
  status: number;
  body: string;
  headers: Record<string, unknown>;
  reported: ReportedError[];
}

/** The one deliberate difference in Content-Type: the lean host's JSON answers name their charset (see below). */
const LEAN_JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

function answerOf(host: Host, response: LightMyRequestResponse): Answer {
  const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !TRANSPORT_HEADERS.has(name)));
  return { status: response.statusCode, body: response.body, headers, reported: reported[host] };
}

async function both(request: InjectOptions, apps: Record<Host, FastifyInstance> = hosts): Promise<Record<Host, Answer>> {
  const headers = { 'x-request-id': 'differential-0001', ...(request.headers as Record<string, string> | undefined) };
  const [lean, official] = await Promise.all(HOSTS.map(async (host) => answerOf(host, await apps[host].inject({ ...request, headers }))));
  if (!lean || !official) throw new Error('unreachable: one answer per host');
  // The deliberate difference (pinned by its own test): a tRPC answer's charset parameter.
  if (lean.headers['content-type'] === LEAN_JSON_CONTENT_TYPE && official.headers['content-type'] === 'application/json') {
    lean.headers['content-type'] = 'application/json';
  }
  return { lean, official };
}

async function expectSameAnswer(request: InjectOptions, apps: Record<Host, FastifyInstance> = hosts): Promise<Answer> {
  const { lean, official } = await both(request, apps);
  expect(lean).toEqual(official);
  return lean;
}

/** Each call's outcome in an answer: 'ok' or its error code. */
function codes(body: string): string[] {
  const parsed = JSON.parse(body) as unknown;
  const items = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ error?: { json?: { data?: { code?: string } } } }>;
  return items.map((item) => (item.error ? (item.error.json?.data?.code ?? 'not tRPC') : 'ok'));
}

type Case = [name: string, request: InjectOptions, status: number, codes: string[] | undefined];

/** Each case: the same answer from both hosts, and the status and codes this case is there for. */
function sameAnswers(cases: Case[], apps: Record<Host, FastifyInstance> = hosts, codesOf = codes) {
  it.each(cases)('%s', async (_name, request, status, expectedCodes) => {
    const answer = await expectSameAnswer(request, apps);
    expect(answer.status).toBe(status);
    if (expectedCodes) expect(codesOf(answer.body)).toEqual(expectedCodes);
  });
}

describe('the lean host answers as the official adapter', () => {
  describe('queries', () => {
    sameAnswers([
      ['without input', { url: '/trpc/greeting' }, 200, ['ok']],
      ['with input', { url: `/trpc/greeting?${input({ name: 'Ada' })}` }, 200, ['ok']],
      [
        'batched',
        { url: `/trpc/greeting,greeting,echo?${batchInput({ name: 'Ada' }, undefined, { at: new Date(0) })}` },
        200,
        ['ok', 'ok', 'ok'],
      ],
      ['a batch of one', { url: `/trpc/greeting?${batchInput({ name: 'Ada' })}` }, 200, ['ok']],
      ['a batch with no input at all', { url: '/trpc/greeting,greeting?batch=1' }, 200, ['ok', 'ok']],
      ['Dates, Maps, Sets, BigInts, undefined (superjson meta)', { url: '/trpc/types.rich' }, 200, ['ok']],
      ['undefined as the data', { url: '/trpc/types.nothing' }, 200, ['ok']],
      ['null as the data', { url: '/trpc/types.nothing2' }, 200, ['ok']],
      ['undefined and null in a batch', { url: '/trpc/types.nothing,types.nothing2?batch=1' }, 200, ['ok', 'ok']],
    ]);
  });

  describe('middlewares, context and meta', () => {
    sameAnswers([
      ['next({ ctx }) narrowing the user, then adding to the context', { url: '/trpc/context.whoami', headers: member }, 200, ['ok']],
      ['a middleware refusing (UNAUTHORIZED)', { url: '/trpc/context.whoami' }, 401, ['UNAUTHORIZED']],
      ['next({ ctx }) with an own __proto__ key: merged as tRPC spreads it', { url: '/trpc/context.protoKey' }, 200, ['ok']],
      ['meta read by a middleware: allowed', { url: '/trpc/admin.stats', headers: admin }, 200, ['ok']],
      ['meta read by a middleware: refused (FORBIDDEN)', { url: '/trpc/admin.stats', headers: member }, 403, ['FORBIDDEN']],
      [
        'a batch of allowed and refused (207)',
        { url: '/trpc/admin.stats,context.whoami,greeting?batch=1', headers: member },
        207,
        ['FORBIDDEN', 'ok', 'ok'],
      ],
      ['getRawInput: an object', { url: '/trpc/context.rawInput', ...mutation({ a: 1 }) }, 200, ['ok']],
      ['getRawInput: an array', { url: '/trpc/context.rawInput', ...mutation([1, 2]) }, 200, ['ok']],
      [
        'getRawInput: malformed (the middleware goes on, the validator fails)',
        { url: '/trpc/context.rawInput', ...rawPost('{"json":') },
        400,
        ['BAD_REQUEST'],
      ],
      ['getRawInput: malformed, a rejection the middleware handles', { url: '/trpc/context.rawKind', ...rawPost('{"json":') }, 200, ['ok']],
      ['getRawInput: none', { url: '/trpc/context.rawInput', ...rawPost() }, 200, ['ok']],
      ['next({ input }) before and after .input()', { url: '/trpc/inputs.fromMiddleware', ...mutation({ text: '  hi  ' }) }, 200, ['ok']],
      ['a middleware throwing a plain Error', { url: '/trpc/failures.plainError' }, 500, ['INTERNAL_SERVER_ERROR']],
      ['a middleware returning a value without next()', { url: '/trpc/failures.returnsValue' }, 500, ['INTERNAL_SERVER_ERROR']],
      ['a middleware returning nothing', { url: '/trpc/failures.returnsNothing' }, 500, ['INTERNAL_SERVER_ERROR']],
      ['a middleware answering with its own result', { url: '/trpc/failures.shortCircuit' }, 200, ['ok']],
      ['a middleware mapping an error result to another', { url: '/trpc/failures.mapped' }, 409, ['CONFLICT']],
      ["a procedure's own error formatter (.errors())", { url: '/trpc/failures.ownFormatter' }, 409, ['CONFLICT']],
      ['a procedure built with experimental_caller', { url: `/trpc/experimental.viaCaller?${input({ n: 7 })}` }, 200, ['ok']],
      [
        'experimental_caller in a batch, with an input error',
        { url: `/trpc/experimental.viaCaller,experimental.viaCaller?${batchInput(undefined, { n: 'x' })}` },
        207,
        ['ok', 'BAD_REQUEST'],
      ],
    ]);
  });

  describe('context creation', () => {
    sameAnswers([
      ['made asynchronously', { url: '/trpc/context.whoami', headers: { ...member, 'x-context': 'async' } }, 200, ['ok']],
      [
        'throwing: each call fails with its error',
        { url: '/trpc/greeting', headers: { 'x-context': 'throw' } },
        500,
        ['INTERNAL_SERVER_ERROR'],
      ],
      // Unknown paths and wrong methods are found before the context is needed.
      [
        'throwing, in a batch with an unknown path',
        { url: '/trpc/greeting,nope?batch=1', headers: { 'x-context': 'throw' } },
        207,
        ['INTERNAL_SERVER_ERROR', 'NOT_FOUND'],
      ],
      [
        'rejecting with a TRPCError',
        { url: '/trpc/greeting,greeting?batch=1', headers: { 'x-context': 'reject' } },
        401,
        ['UNAUTHORIZED', 'UNAUTHORIZED'],
      ],
    ]);
  });

  describe('inputs and outputs', () => {
    sameAnswers([
      ['chained .input()s merged', { url: `/trpc/inputs.merged?${input({ id: 1, note: 'two schemas' })}` }, 200, ['ok']],
      ['chained .input()s: the first fails', { url: `/trpc/inputs.merged?${input({ id: 1.5 })}` }, 400, ['BAD_REQUEST']],
      ['chained .input()s: the second fails', { url: `/trpc/inputs.merged?${input({ id: 1, note: 2 })}` }, 400, ['BAD_REQUEST']],
      ['an input failing validation', { url: `/trpc/greeting?${input({ name: '' })}` }, 400, ['BAD_REQUEST']],
      ['a required input missing', { url: '/trpc/inputs.merged' }, 400, ['BAD_REQUEST']],
      [
        'Dates and Sets in the input',
        { url: '/trpc/inputs.rich', ...mutation({ at: new Date(0), tags: new Set(['b', 'a']) }) },
        200,
        ['ok'],
      ],
      ['an async output refinement: passes', { url: `/trpc/outputs.asyncRefined?${input({ id: 1 })}` }, 200, ['ok']],
      ['an async output refinement: fails', { url: `/trpc/outputs.asyncRefined?${input({ id: -1 })}` }, 500, ['INTERNAL_SERVER_ERROR']],
      [
        'an async output refinement, twice in a batch',
        { url: `/trpc/outputs.asyncRefined,outputs.asyncRefined?${batchInput({ id: 2 }, { id: -2 })}` },
        207,
        ['ok', 'INTERNAL_SERVER_ERROR'],
      ],
      ['an async output transform', { url: '/trpc/outputs.asyncTransformed' }, 200, ['ok']],
      ['an output schema stripping a field', { url: '/trpc/outputs.stripped' }, 200, ['ok']],
      ['an output failing validation', { url: '/trpc/outputs.invalid' }, 500, ['INTERNAL_SERVER_ERROR']],
      ['stream-like data in a single call (refused as a whole)', { url: '/trpc/types.streamLike' }, 415, ['UNSUPPORTED_MEDIA_TYPE']],
      [
        'stream-like data in a batch (refused for that call)',
        { url: '/trpc/types.streamLike,greeting?batch=1' },
        207,
        ['UNSUPPORTED_MEDIA_TYPE', 'ok'],
      ],
      ['data JSON cannot write', { url: '/trpc/types.unserializable' }, 500, ['INTERNAL_SERVER_ERROR']],
      [
        'data JSON cannot write, in a batch (the whole batch fails)',
        { url: '/trpc/greeting,types.unserializable?batch=1' },
        500,
        ['INTERNAL_SERVER_ERROR'],
      ],
    ]);
  });

  describe('errors and statuses', () => {
    sameAnswers([
      ...ERROR_CODES.map((code): Case => [
        `a TRPCError ${code}`,
        { url: `/trpc/failures.queryWithCode?${input({ code })}` },
        statusOf(code),
        [code],
      ]),
      [
        'a batch of different codes (207, Retry-After)',
        {
          url: `/trpc/failures.queryWithCode,failures.queryWithCode,greeting?${batchInput({ code: 'TOO_MANY_REQUESTS' }, { code: 'NOT_FOUND' }, undefined)}`,
        },
        207,
        ['TOO_MANY_REQUESTS', 'NOT_FOUND', 'ok'],
      ],
      [
        'a batch of one code (its status)',
        { url: `/trpc/failures.queryWithCode,failures.queryWithCode?${batchInput({ code: 'CONFLICT' }, { code: 'CONFLICT' })}` },
        409,
        ['CONFLICT', 'CONFLICT'],
      ],
      [
        'a batch of codes with the same status (422 and 422)',
        {
          url: `/trpc/failures.queryWithCode,failures.queryWithCode?${batchInput({ code: 'UNPROCESSABLE_CONTENT' }, { code: 'UNPROCESSABLE_CONTENT' })}`,
        },
        422,
        ['UNPROCESSABLE_CONTENT', 'UNPROCESSABLE_CONTENT'],
      ],
    ]);
  });

  describe('mutations', () => {
    sameAnswers([
      ['a mutation', { url: '/trpc/mutations.rename', ...mutation({ name: '  Zoë ' }, member) }, 200, ['ok']],
      ['a mutation returning undefined', { url: '/trpc/mutations.nothing', ...rawPost() }, 200, ['ok']],
      [
        'a batch of mutations, one invalid (207)',
        { url: '/trpc/mutations.rename,mutations.rename?batch=1', ...batchMutation([{ name: 'Eve' }, { name: '   ' }], member) },
        207,
        ['ok', 'BAD_REQUEST'],
      ],
      [
        'a batch of mutations failing with codes',
        {
          url: '/trpc/failures.withCode,failures.withCode,mutations.nothing?batch=1',
          ...batchMutation([{ code: 'TOO_MANY_REQUESTS' }, { code: 'FORBIDDEN' }, undefined]),
        },
        207,
        ['TOO_MANY_REQUESTS', 'FORBIDDEN', 'ok'],
      ],
      [
        'a JSON content type with parameters, in capitals',
        { url: '/trpc/mutations.nothing', ...jsonBody(superjson.serialize(undefined), 'Application/JSON; charset=utf-8') },
        200,
        ['ok'],
      ],
    ]);
  });

  describe('wrong methods, paths and batches', () => {
    sameAnswers([
      ['a query sent as POST', { url: '/trpc/greeting', ...mutation(undefined) }, 405, ['METHOD_NOT_SUPPORTED']],
      ['a mutation sent as GET', { url: '/trpc/mutations.nothing' }, 405, ['METHOD_NOT_SUPPORTED']],
      [
        'a wrong method and an unknown path in a batch',
        { url: '/trpc/mutations.nothing,nope?batch=1' },
        207,
        ['METHOD_NOT_SUPPORTED', 'NOT_FOUND'],
      ],
      ['an unknown path', { url: '/trpc/nope' }, 404, ['NOT_FOUND']],
      ['an unknown mutation path', { url: '/trpc/nope', ...mutation(1) }, 404, ['NOT_FOUND']],
      ['a path naming a router, not a procedure', { url: '/trpc/inputs' }, 404, ['NOT_FOUND']],
      ['a path naming an Object.prototype member', { url: '/trpc/constructor' }, 404, ['NOT_FOUND']],
      ['an empty path', { url: '/trpc/' }, 404, ['NOT_FOUND']],
      ['an unknown path in a batch', { url: `/trpc/greeting,nope?${batchInput(undefined, undefined)}` }, 207, ['ok', 'NOT_FOUND']],
      // Its error's shape is made once all calls are done: by then the inputs have been read.
      [
        'an unknown path with an input, before a call that reads the inputs',
        { url: `/trpc/nope,greeting?${batchInput('for nope', { name: 'Ada' })}` },
        207,
        ['NOT_FOUND', 'ok'],
      ],
      ['a path with a slash (no route)', { url: '/trpc/a/b' }, 404, ['not tRPC']],
      ['queries and mutations mixed in a batch', { url: '/trpc/greeting,mutations.nothing?batch=1' }, 400, ['BAD_REQUEST']],
      [
        'mixed, sent as POST',
        { url: '/trpc/greeting,mutations.nothing?batch=1', ...batchMutation([undefined, undefined]) },
        400,
        ['BAD_REQUEST'],
      ],
      [
        'a batch one call too large',
        {
          url: `/trpc/${Array(MAX_BATCH_SIZE + 1)
            .fill('greeting')
            .join(',')}?batch=1`,
        },
        400,
        ['BAD_REQUEST'],
      ],
      [
        'a batch of the largest size',
        { url: `/trpc/${Array(MAX_BATCH_SIZE).fill('greeting').join(',')}?batch=1` },
        200,
        Array(MAX_BATCH_SIZE).fill('ok'),
      ],
      ['batch=0 (commas in a single path)', { url: '/trpc/greeting,greeting?batch=0' }, 404, ['NOT_FOUND']],
      ['a HEAD request', { method: 'HEAD', url: '/trpc/greeting' }, 204, undefined],
      ['a HEAD request to an unknown path', { method: 'HEAD', url: '/trpc/nope' }, 204, undefined],
    ]);
  });

  describe('URL encoding and query parameters', () => {
    sameAnswers([
      ['an encoded comma between batched paths', { url: '/trpc/greeting%2Cgreeting?batch=1' }, 200, ['ok', 'ok']],
      ['an encoded letter and dot', { url: `/trpc/%67reeting,inputs%2Emerged?${batchInput(undefined, { id: 1 })}` }, 200, ['ok', 'ok']],
      ['a doubly encoded path (tRPC decodes what Fastify decoded)', { url: '/trpc/greeting%252C' }, 404, ['NOT_FOUND']],
      ['a malformed %-escape in the path (Fastify refuses it)', { url: '/trpc/greeting%2' }, 400, ['not tRPC']],
      ['a malformed %-escape once Fastify has decoded the path (tRPC refuses it)', { url: '/trpc/greeting%25zz' }, 400, ['BAD_REQUEST']],
      ['non-ASCII in the path', { url: `/trpc/${encodeURIComponent('问候')}` }, 404, ['NOT_FOUND']],
      ['a repeated input: the first counts', { url: `/trpc/echo?${input('first')}&${input('second')}` }, 200, ['ok']],
      ['a repeated batch flag: the first counts', { url: '/trpc/greeting,greeting?batch=1&batch=0' }, 200, ['ok', 'ok']],
      [
        'invalid UTF-8 in the input (U+FFFD, as URLSearchParams)',
        { url: `/trpc/echo?input=${encode({ json: 'x' }).replace('x', '%FF')}` },
        200,
        ['ok'],
      ],
      ['a %-escape left after decoding', { url: `/trpc/echo?${input('100%25 sure')}` }, 200, ['ok']],
      ['+ as a space', { url: `/trpc/echo?input=${encode({ json: 'a b' }).replace('%20', '+')}` }, 200, ['ok']],
      ['valid connection params', { url: `/trpc/greeting?connectionParams=${encode({ token: 'x' })}` }, 200, ['ok']],
      ['malformed connection params', { url: '/trpc/greeting?connectionParams=%7Bnope' }, 400, ['PARSE_ERROR']],
      ['connection params of the wrong shape', { url: `/trpc/greeting?connectionParams=${encode({ token: 1 })}` }, 400, ['PARSE_ERROR']],
    ]);
  });

  describe('malformed requests', () => {
    sameAnswers([
      ['malformed JSON in the query, read by the procedure', { url: '/trpc/greeting?input=%7Bnot-json' }, 400, ['BAD_REQUEST']],
      ['malformed JSON in the query, for a procedure that reads none', { url: '/trpc/types.nothing?input=%7Bnot-json' }, 200, ['ok']],
      [
        'malformed JSON in a batch: every call that reads it fails',
        { url: '/trpc/greeting,types.nothing,greeting?batch=1&input=%7Bnot-json' },
        207,
        ['BAD_REQUEST', 'ok', 'BAD_REQUEST'],
      ],
      ['a malformed JSON body', { url: '/trpc/mutations.rename', ...rawPost('{"json":', member) }, 400, ['BAD_REQUEST']],
      [
        'a batch input that is not an object',
        { url: '/trpc/mutations.rename?batch=1', ...jsonBody('not an object', undefined, member) },
        400,
        ['BAD_REQUEST'],
      ],
      ['a batch input that is an array', { url: '/trpc/greeting?batch=1&input=%5B%5D' }, 400, ['BAD_REQUEST']],
      [
        'superjson meta naming an unknown type',
        { url: '/trpc/echo', method: 'GET', query: { input: JSON.stringify({ json: 'x', meta: { values: ['custom', 'nope'] } }) } },
        400,
        ['BAD_REQUEST'],
      ],
      ['wrong types in the input', { url: '/trpc/mutations.rename', ...mutation({ name: 42 }, member) }, 400, ['BAD_REQUEST']],
      ['no input where one is required', { url: '/trpc/mutations.rename', ...rawPost(undefined, member) }, 400, ['BAD_REQUEST']],
      ['an empty JSON body', { url: '/trpc/mutations.rename', ...rawPost('', member) }, 400, ['BAD_REQUEST']],
    ]);
  });

  describe('content types', () => {
    sameAnswers([
      ['a POST without a content type', { url: '/trpc/mutations.nothing', method: 'POST' }, 415, ['UNSUPPORTED_MEDIA_TYPE']],
      [
        'a POST as text/plain',
        { url: '/trpc/mutations.nothing', ...jsonBody(superjson.serialize(undefined), 'text/plain') },
        415,
        ['UNSUPPORTED_MEDIA_TYPE'],
      ],
      ['a POST of a type Fastify cannot parse', { url: '/trpc/mutations.nothing', ...jsonBody(1, 'application/xml') }, 415, ['not tRPC']],
      [
        'a POST as application/octet-stream (Fastify refuses it)',
        { url: '/trpc/mutations.nothing', ...jsonBody(1, 'application/octet-stream') },
        415,
        ['not tRPC'],
      ],
      [
        'a GET with a text/plain content type (read as JSON)',
        { url: '/trpc/greeting', headers: { 'content-type': 'text/plain' } },
        200,
        ['ok'],
      ],
      [
        'a GET as multipart/form-data',
        { url: '/trpc/greeting', headers: { 'content-type': 'multipart/form-data; boundary=x' } },
        405,
        ['METHOD_NOT_SUPPORTED'],
      ],
      [
        'a GET as application/octet-stream',
        { url: '/trpc/greeting', headers: { 'content-type': 'application/octet-stream' } },
        405,
        ['METHOD_NOT_SUPPORTED'],
      ],
      [
        'a streaming request that is not batched',
        { url: '/trpc/greeting', headers: { 'trpc-accept': 'application/jsonl' } },
        400,
        ['BAD_REQUEST'],
      ],
      [
        'a streaming request that is not batched (Accept)',
        { url: '/trpc/greeting', headers: { accept: 'application/json, application/jsonl' } },
        400,
        ['BAD_REQUEST'],
      ],
      [
        'trpc-accept other than jsonl, on a batch',
        { url: '/trpc/greeting?batch=1', headers: { 'trpc-accept': 'application/json', accept: 'application/jsonl' } },
        200,
        ['ok'],
      ],
    ]);
  });

  it('adds the headers responseHeaders gives, as responseMeta does (Retry-After)', async () => {
    const { lean, official } = await both({
      url: `/trpc/failures.queryWithCode,greeting?${batchInput({ code: 'TOO_MANY_REQUESTS' }, undefined)}`,
    });
    expect(lean).toEqual(official);
    expect(lean.headers['retry-after']).toBe('30');
  });

  it('names the charset of its JSON answers, where the adapter does not (a string body is cheaper to send)', async () => {
    const [lean, official] = await Promise.all(HOSTS.map((host) => hosts[host].inject({ url: '/trpc/greeting' })));
    expect(lean?.headers['content-type']).toBe(LEAN_JSON_CONTENT_TYPE);
    expect(official?.headers['content-type']).toBe('application/json');
  });

  it('varies on the tRPC accept headers, keeping a Vary set before (where the adapter replaces it)', async () => {
    const headers = { origin: 'http://localhost:10086' };
    const { lean, official } = await both({ url: '/trpc/greeting', headers });
    expect(official.headers.vary).toBe('trpc-accept, accept');
    expect(lean.headers.vary).toBe('Origin, trpc-accept, accept');
    // Everything else is the same.
    expect({ ...lean, headers: { ...lean.headers, vary: undefined } }).toEqual({
      ...official,
      headers: { ...official.headers, vary: undefined },
    });
  });
});

function statusOf(code: (typeof ERROR_CODES)[number]): number {
  const statuses: Record<(typeof ERROR_CODES)[number], number> = {
    BAD_REQUEST: 400,
    UNAUTHORIZED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    CONFLICT: 409,
    PRECONDITION_FAILED: 412,
    UNPROCESSABLE_CONTENT: 422,
    TOO_MANY_REQUESTS: 429,
    INTERNAL_SERVER_ERROR: 500,
    SERVICE_UNAVAILABLE: 503,
  };
  return statuses[code];
}

describe('a router with pathSeparator "~" and no transformer', () => {
  const t = initTRPC.create({ pathSeparator: '~', isDev: false });
  const router = t.router({
    post: {
      byId: t.procedure.input(z.object({ id: z.number() })).query(({ input }) => ({ id: input.id, at: FIXED_DATE })),
      nothing: t.procedure.query(() => undefined),
      create: t.procedure.input(z.object({ title: z.string().min(1) })).mutation(({ input }) => input),
    },
  });
  const apps = {} as Record<Host, FastifyInstance>;
  /** Without a transformer, errors are plain JSON: `{ error: { data: { code } } }`. */
  const plainCodes = (body: string) => {
    const parsed = JSON.parse(body) as unknown;
    const items = (Array.isArray(parsed) ? parsed : [parsed]) as Array<{ error?: { data?: { code?: string } } }>;
    return items.map((item) => (item.error ? (item.error.data?.code ?? 'not tRPC') : 'ok'));
  };
  const plain = (value: unknown) => `input=${encode(value)}`;

  beforeAll(async () => {
    for (const host of HOSTS) apps[host] = await buildHost(host, router);
  });
  afterAll(async () => {
    await Promise.all(HOSTS.map((host) => apps[host].close()));
  });

  sameAnswers(
    [
      ['the separator in the URL', { url: `/trpc/post~byId?${plain({ id: 1 })}` }, 200, ['ok']],
      ['a dotted URL still resolves', { url: `/trpc/post.byId?${plain({ id: 1 })}` }, 200, ['ok']],
      ['undefined data without a transformer', { url: '/trpc/post~nothing' }, 200, ['ok']],
      ['a batch', { url: `/trpc/post~byId,post~nothing?batch=1&input=${encode({ 0: { id: 2 } })}` }, 200, ['ok', 'ok']],
      ['an unknown path (named with dots in the error)', { url: '/trpc/post~nope' }, 404, ['NOT_FOUND']],
      ['a mutation', { url: '/trpc/post~create', ...jsonBody({ title: 'T' }) }, 200, ['ok']],
      ['a mutation failing validation', { url: '/trpc/post~create', ...jsonBody({ title: '' }) }, 400, ['BAD_REQUEST']],
    ],
    apps,
    plainCodes,
  );
});

describe('the official clients get the same results and errors from both hosts', () => {
  type Client = ReturnType<typeof createTRPCClient<FixtureRouter>>;
  const urls = {} as Record<Host, string>;

  beforeAll(async () => {
    for (const host of HOSTS) urls[host] = `${await hosts[host].listen({ host: '127.0.0.1', port: 0 })}/trpc`;
  });

  const scenarios: Array<[name: string, run: (client: Client) => Promise<unknown>]> = [
    ['a query', (client) => client.greeting.query({ name: 'Ada' })],
    ['a query without input', (client) => client.greeting.query()],
    ['Dates, Maps, Sets, BigInts', (client) => client.types.rich.query()],
    ['undefined', (client) => client.types.nothing.query()],
    ['the context from middlewares', (client) => client.context.whoami.query()],
    ['a FORBIDDEN from meta', (client) => client.admin.stats.query()],
    ['merged inputs', (client) => client.inputs.merged.query({ id: 3, note: 'two schemas' })],
    ['Dates and Sets in the input', (client) => client.inputs.rich.mutate({ at: new Date(0), tags: new Set(['b', 'a']) })],
    ['an async output transform', (client) => client.outputs.asyncTransformed.query()],
    ['an async output refinement failing', (client) => client.outputs.asyncRefined.query({ id: -1 })],
    ['an output failing validation', (client) => client.outputs.invalid.query()],
    ['an input failing validation', (client) => client.greeting.query({ name: '' })],
    ['a mutation', (client) => client.mutations.rename.mutate({ name: ' Zoë ' })],
    ['a mutation failing validation', (client) => client.mutations.rename.mutate({ name: '  ' })],
    ['TOO_MANY_REQUESTS', (client) => client.failures.withCode.mutate({ code: 'TOO_MANY_REQUESTS' })],
    ['a plain error in a middleware', (client) => client.failures.plainError.query()],
    ['an experimental_caller procedure', (client) => client.experimental.viaCaller.query({ n: 2 })],
    ['stream-like data', (client) => client.types.streamLike.query()],
  ];

  type Outcome = { value: unknown } | { thrown: string } | { message: string; shape: unknown; data: unknown };

  /** A call's outcome as the client sees it: its value, or the error's message, shape and data. */
  function outcome(result: PromiseSettledResult<unknown>): Outcome {
    if (result.status === 'fulfilled') return { value: result.value };
    const error: unknown = result.reason;
    if (!(error instanceof TRPCClientError)) return { thrown: String(error) };
    return { message: error.message, shape: error.shape as unknown, data: error.data as unknown };
  }

  async function runAll(host: Host, link: (url: string) => TRPCLink<FixtureRouter>): Promise<Record<string, Outcome>> {
    const client = createTRPCClient<FixtureRouter>({ links: [link(urls[host])] });
    // Started together: httpBatchLink puts them in batches (queries in GETs, mutations in POSTs).
    const results = await Promise.allSettled(scenarios.map(([, run]) => run(client)));
    return Object.fromEntries(results.map((result, i): [string, Outcome] => [String(scenarios[i]?.[0]), outcome(result)]));
  }

  const headers = { authorization: 'Bearer member:Bob', 'x-request-id': 'differential-client' };
  const links: Array<[name: string, link: (url: string) => TRPCLink<FixtureRouter>]> = [
    ['httpLink', (url) => httpLink({ url, transformer: superjson, headers })],
    ['httpBatchLink', (url) => httpBatchLink({ url, transformer: superjson, headers, maxItems: MAX_BATCH_SIZE })],
  ];

  it.each(links)('%s', async (_name, link) => {
    const lean = await runAll('lean', link);
    const official = await runAll('official', link);
    expect(lean).toEqual(official);
    // And the fixture did what it is there for.
    const rich = lean['Dates, Maps, Sets, BigInts'] as { value: { at: unknown; map: unknown; set: unknown; big: unknown } };
    expect(rich.value.at).toBeInstanceOf(Date);
    expect(rich.value.map).toBeInstanceOf(Map);
    expect(rich.value.set).toBeInstanceOf(Set);
    expect(typeof rich.value.big).toBe('bigint');
    expect(lean['an experimental_caller procedure']).toEqual({ value: { viaCaller: true, data: 2 } });
    expect(lean['a mutation']).toMatchObject({ value: { from: 'Bob', to: 'Zoë' } });
    expect(lean['TOO_MANY_REQUESTS']).toMatchObject({ data: { code: 'TOO_MANY_REQUESTS', httpStatus: 429 } });
    expect(lean['a mutation failing validation']).toMatchObject({ data: { code: 'BAD_REQUEST', issues: ['name is empty'] } });
    expect(lean['an async output refinement failing']).toMatchObject({
      message: 'Output validation failed',
      data: { issues: ['id must be positive'] },
    });
  });
});

describe('fastCallerCoverage', () => {
  it("reports the experimental_caller procedure, and only it, as falling back to tRPC's caller", () => {
    const coverage = fastCallerCoverage(fixtureRouter);
    const mentionsTheCaller: unknown = expect.stringContaining('experimental_caller');
    expect(coverage.fallback).toEqual([{ path: 'experimental.viaCaller', reason: mentionsTheCaller }]);
    expect(coverage.unserved).toEqual([]);
    const all = Object.keys(fixtureRouter._def.procedures);
    expect([...coverage.fast].sort()).toEqual(all.filter((path) => path !== 'experimental.viaCaller').sort());
  });
});
