/**
 * The REST routes against their own document: the real server on MariaDB and Redis, signed in
 * through the WeChat mock, called with plain fetch. Every answer, errors included, must have a
 * status the operation lists and a body that its schema in /openapi.json accepts (ajv, JSON
 * Schema 2020-12 as OpenAPI 3.1 has it); every documented operation is called, and answers at
 * least once with success and once with an error. The procedures are tRPC's: a REST answer is
 * the tRPC answer with dates as ISO strings.
 */
import { insertProduct } from '@app/api';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { REQUEST_ID_HEADER } from '@app/shared';
import { createScratchDatabase, TEST_REDIS_URL, type ScratchDatabase } from '@app/test-support';
import { startWeChatMock, type RunningWeChatMock } from '@app/wechat-mock';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp } from './support/app';
import type { HttpErrorBody } from './support/bodies';
import { trpcClientFor } from './support/trpc-client';

const APP = { appId: 'wx00112233445566cc', appSecret: 'rest-test-secret-0123456789abcdef' };

type Method = 'GET' | 'POST' | 'PATCH';
interface OpenApiDocument {
  servers: Array<{ url: string }>;
  paths: Record<string, Partial<Record<Lowercase<Method>, { responses: Record<string, unknown> }>>>;
}

let scratch: ScratchDatabase;
let db: Kysely<Database>;
let mock: RunningWeChatMock;
let app: FastifyInstance;
let address: string;
let document: OpenApiDocument;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const productIds: number[] = [];
/** What each documented operation answered, by `METHOD /path`: checked last. */
const answered = new Map<string, Set<'success' | 'error'>>();

beforeAll(async () => {
  scratch = await createScratchDatabase('rest');
  db = createDatabase({ url: scratch.url, poolSize: 4 });
  await migrateToLatest(db);
  const now = new Date();
  for (const [title, stock, onShelf] of [
    ['手冲壶', 10, true],
    ['滤杯', 5, true],
    ['磨豆机', 3, true],
    ['旧款杯', 1, false],
  ] as const) {
    productIds.push(await insertProduct(db, { title, description: '', priceFen: 1990, stock, imageUrl: null, onShelf }, now));
  }
  mock = await startWeChatMock(APP);
  ({ app } = await buildTestApp(
    { WECHAT_API_BASE_URL: mock.url, WECHAT_APP_ID: APP.appId, WECHAT_APP_SECRET: APP.appSecret, REDIS_URL: TEST_REDIS_URL },
    { db },
  ));
  address = await app.listen({ host: '127.0.0.1', port: 0 });
  document = (await (await fetch(`${address}/openapi.json`)).json()) as OpenApiDocument;
  ajv.addSchema(document, 'openapi.json');
});

afterAll(async () => {
  await app?.close();
  await mock?.close();
  await db?.destroy();
  await scratch?.drop();
});

/** `#/paths/~1orders~1{id}/get/…` as a URI fragment ajv resolves against the added document. */
function pointer(segments: string[]): string {
  return `openapi.json#/${segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
}

interface Call {
  query?: Record<string, string>;
  params?: Record<string, string | number>;
  body?: unknown;
  token?: string;
  /** A body sent as it is (with this content type) instead of `body` as JSON. */
  raw?: { contentType: string; text: string };
}

/** Calls a documented operation and holds its answer to the document; returns status and body. */
async function call<T = unknown>(method: Method, path: string, options: Call = {}): Promise<{ status: number; body: T }> {
  const operation = document.paths[path]?.[method.toLowerCase() as Lowercase<Method>];
  expect(operation, `${method} ${path} is documented`).toBeDefined();
  const filled = path.replace(/\{([^}]+)\}/g, (_match, name: string) => encodeURIComponent(String(options.params?.[name])));
  const url = new URL(`${address}${document.servers[0]!.url}${filled}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.contentType;
    body = options.raw.text;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(url, { method, headers, body });
  const json = (await response.json()) as T;

  const status = String(response.status);
  expect(Object.keys(operation!.responses), `${method} ${path} answered ${status}, which its document does not list`).toContain(status);
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(response.headers.get(REQUEST_ID_HEADER)).toBeTruthy();
  const validate = ajv.getSchema(
    pointer(['paths', path, method.toLowerCase(), 'responses', status, 'content', 'application/json', 'schema']),
  );
  expect(validate, `a schema for ${method} ${path} ${status}`).toBeDefined();
  expect(validate!(json) ? null : validate!.errors, `${method} ${path} ${status}: ${JSON.stringify(json)}`).toBeNull();

  const route = `${method} ${path}`;
  answered.set(route, (answered.get(route) ?? new Set()).add(response.ok ? 'success' : 'error'));
  return { status: response.status, body: json };
}

const appCodeOf = (answer: { body: unknown }) => (answer.body as HttpErrorBody).error.appCode;
const issuesOf = (answer: { body: unknown }) => (answer.body as HttpErrorBody).error.issues?.map((issue) => issue.path);

interface Tokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
}

async function signIn(user: string): Promise<Tokens & { user: { id: number } }> {
  const answer = await call<Tokens & { user: { id: number } }>('POST', '/auth/login', { body: { code: mock.world.issueLoginCode(user) } });
  expect(answer.status).toBe(200);
  return answer.body;
}

describe('without a session', () => {
  it('refuses every operation that requires one with 401 AUTH_REQUIRED, and serves the others', async () => {
    const samples: Record<string, Call> = {
      'PATCH /me': { body: { nickname: '匿名' } },
      'GET /orders/{id}': { params: { id: 1 } },
      'GET /products/{id}': { params: { id: productIds[0]! } },
    };
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods) as Array<[Lowercase<Method>, { security?: unknown }]>) {
        const route = `${method.toUpperCase()} ${path}`;
        if (path.startsWith('/auth/')) continue; // sign-in and refresh take a code or a token instead
        const answer = await call(method.toUpperCase() as Method, path, samples[route] ?? {});
        if (operation.security) {
          expect([route, answer.status, appCodeOf(answer)]).toEqual([route, 401, 'AUTH_REQUIRED']);
        } else {
          expect([route, answer.status]).toEqual([route, 200]);
        }
      }
    }
  });

  it('refuses a token that is not one with 401 AUTH_TOKEN_MALFORMED', async () => {
    const answer = await call('GET', '/me', { token: 'not-a-jwt' });
    expect([answer.status, appCodeOf(answer)]).toEqual([401, 'AUTH_TOKEN_MALFORMED']);
  });
});

describe('signing in', () => {
  it('signs in with a wx.login code, and refuses the code a second time (WECHAT_CODE_USED)', async () => {
    const code = mock.world.issueLoginCode('rest-alice');
    const first = await call<Tokens & { isNewUser: boolean }>('POST', '/auth/login', { body: { code } });
    expect(first.status).toBe(200);
    expect(first.body.isNewUser).toBe(true);
    expect(new Date(first.body.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now());

    const again = await call('POST', '/auth/login', { body: { code } });
    expect([again.status, appCodeOf(again)]).toEqual([400, 'WECHAT_CODE_USED']);
  });

  it('answers bad input with 400 VALIDATION_FAILED naming the field, bad JSON with MALFORMED_REQUEST, other types with 415', async () => {
    const missing = await call('POST', '/auth/login', { body: {} });
    expect([missing.status, appCodeOf(missing), issuesOf(missing)]).toEqual([400, 'VALIDATION_FAILED', ['code']]);
    const malformed = await call('POST', '/auth/login', { raw: { contentType: 'application/json', text: '{"code":' } });
    expect([malformed.status, appCodeOf(malformed)]).toEqual([400, 'MALFORMED_REQUEST']);
    const text = await call('POST', '/auth/login', { raw: { contentType: 'text/plain', text: 'code=abc' } });
    expect([text.status, appCodeOf(text)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('rotates the refresh token; the old one again is AUTH_REFRESH_REUSED and ends the session', async () => {
    const tokens = await signIn('rest-refresher');
    const rotated = await call<Tokens>('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(tokens.refreshToken);
    expect((await call('GET', '/me', { token: rotated.body.accessToken })).status).toBe(200);

    const replayed = await call('POST', '/auth/refresh', { body: { refreshToken: tokens.refreshToken } });
    expect([replayed.status, appCodeOf(replayed)]).toEqual([401, 'AUTH_REFRESH_REUSED']);
    const after = await call('GET', '/me', { token: rotated.body.accessToken });
    expect([after.status, appCodeOf(after)]).toEqual([401, 'AUTH_SESSION_REVOKED']);
  });
});

describe('the user', () => {
  it('reads and changes the profile; the shared schema refuses what it refuses on tRPC', async () => {
    const { accessToken, user } = await signIn('rest-bob');
    const me = await call<{ id: number; nickname: string | null; createdAt: string }>('GET', '/me', { token: accessToken });
    expect(me.body).toMatchObject({ id: user.id, nickname: null });

    const changed = await call<{ nickname: string }>('PATCH', '/me', { token: accessToken, body: { nickname: '  小明 ' } });
    expect([changed.status, changed.body.nickname]).toEqual([200, '小明']);
    const nothing = await call('PATCH', '/me', { token: accessToken, body: {} });
    expect([nothing.status, appCodeOf(nothing)]).toEqual([400, 'VALIDATION_FAILED']);
    const invisible = await call('PATCH', '/me', { token: accessToken, body: { nickname: '管理员\u202Etxt.exe' } });
    expect([invisible.status, appCodeOf(invisible), issuesOf(invisible)]).toEqual([400, 'VALIDATION_FAILED', ['nickname']]);

    // The same procedure as on /trpc: the same user, dates as ISO strings.
    const viaTrpc = await trpcClientFor(address, { token: () => accessToken }).user.me.query();
    expect((await call('GET', '/me', { token: accessToken })).body).toEqual(JSON.parse(JSON.stringify(viaTrpc)));
  });
});

describe('the shop', () => {
  it('pages through the catalog with the query string read as numbers', async () => {
    const first = await call<{ items: Array<{ id: number }>; nextCursor: number | null }>('GET', '/products', { query: { limit: '2' } });
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const rest = await call<{ items: Array<{ id: number }>; nextCursor: number | null }>('GET', '/products', {
      query: { limit: '2', cursor: String(first.body.nextCursor) },
    });
    const onShelf = productIds.slice(0, 3);
    expect([...first.body.items, ...rest.body.items].map((item) => item.id).sort()).toEqual(onShelf.sort());

    for (const limit of ['abc', '51', '1.5']) {
      const refused = await call('GET', '/products', { query: { limit } });
      expect([limit, refused.status, appCodeOf(refused), issuesOf(refused)]).toEqual([limit, 400, 'VALIDATION_FAILED', ['limit']]);
    }
  });

  it('gets a product by the id in its path; an unknown one is 404 PRODUCT_NOT_FOUND, a non-number 400', async () => {
    const product = await call<{ id: number; title: string }>('GET', '/products/{id}', { params: { id: productIds[1]! } });
    expect(product.body).toMatchObject({ id: productIds[1], title: '滤杯' });
    const unknown = await call('GET', '/products/{id}', { params: { id: 999_999 } });
    expect([unknown.status, appCodeOf(unknown)]).toEqual([404, 'PRODUCT_NOT_FOUND']);
    const word = await call('GET', '/products/{id}', { params: { id: 'first' } });
    expect([word.status, appCodeOf(word), issuesOf(word)]).toEqual([400, 'VALIDATION_FAILED', ['id']]);
  });

  it("lists and gets the user's own orders, and no one else's", async () => {
    const buyer = await signIn('rest-buyer');
    const other = await signIn('rest-other');
    const order = await trpcClientFor(address, { token: () => buyer.accessToken }).order.create.mutate({
      items: [{ productId: productIds[0]!, quantity: 2 }],
      idempotencyKey: `rest-order-${process.pid}-0001`,
    });

    const list = await call<{ items: Array<{ id: number }> }>('GET', '/orders', {
      token: buyer.accessToken,
      query: { status: 'PENDING_PAYMENT' },
    });
    expect(list.body.items.map((item) => item.id)).toEqual([order.id]);
    expect((await call<{ items: unknown[] }>('GET', '/orders', { token: other.accessToken })).body.items).toEqual([]);
    const badStatus = await call('GET', '/orders', { token: buyer.accessToken, query: { status: 'SHIPPED' } });
    expect([badStatus.status, appCodeOf(badStatus), issuesOf(badStatus)]).toEqual([400, 'VALIDATION_FAILED', ['status']]);

    const got = await call('GET', '/orders/{id}', { token: buyer.accessToken, params: { id: order.id } });
    expect(got.body).toEqual(JSON.parse(JSON.stringify(order)));
    const theirs = await call('GET', '/orders/{id}', { token: other.accessToken, params: { id: order.id } });
    expect([theirs.status, appCodeOf(theirs)]).toEqual([404, 'ORDER_NOT_FOUND']);
  });
});

describe('the document', () => {
  // Last in this file: the tests above made the calls.
  it('had every operation called, each answering at least once with success and once with an error', () => {
    const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toHaveLength(8);
    for (const route of routes) expect([...(answered.get(route) ?? [])].sort(), route).toEqual(['error', 'success']);
  });
});
