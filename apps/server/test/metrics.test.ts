/**
 * Prometheus metrics end to end: the real server on a socket, on MariaDB with Redis, the WeChat
 * mock (sign-in and WeChat Pay), then a scrape of /metrics and the series and labels it must
 * hold. Also where /metrics is served (behind the token on the public port; on METRICS_PORT and
 * then never on the public port) and what the configuration refuses.
 */
import { insertProduct } from '@app/api';
import { createDatabase, migrateToLatest, type Database } from '@app/api/db';
import { createScratchDatabase, freePort, TEST_REDIS_URL, waitUntil, type ScratchDatabase } from '@app/test-support';
import type { RunningWeChatMock } from '@app/wechat-mock';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { errorCatalog, MAX_BATCH_SIZE } from '@app/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { loadConfig } from '../src/config';
import { buildTestApp, configProblemsOf, PRODUCTION_SECRETS } from './support/app';
import { trpcClientFor } from './support/trpc-client';
import { paymentVariables, prepayIdOf, startPayingWeChatMock, userPays } from './support/wechat-pay';

const APP = { appId: 'wx00112233445566bb', appSecret: 'metrics-test-secret-0123456789abc' };
const TOKEN = 'metrics-test-token-0123456789abcdef0123';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text format, the samples only (`name{a="b",…} value`). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, label, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[label!] = value!;
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

/** The one sample of `name` whose labels include `labels`; undefined when there is none. */
function sampleOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

const scrape = async (url: string, token: string | null = TOKEN) =>
  fetch(url, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });

let mock: RunningWeChatMock;
beforeAll(async () => {
  mock = await startPayingWeChatMock(APP);
});
afterAll(() => mock?.close());

const wechatVariables = () => ({ WECHAT_API_BASE_URL: mock.url, WECHAT_APP_ID: APP.appId, WECHAT_APP_SECRET: APP.appSecret });

describe('/metrics after real traffic (MariaDB, Redis, the WeChat mock)', () => {
  let scratch: ScratchDatabase;
  let db: Kysely<Database>;
  let app: FastifyInstance;
  let address: string;
  let productId: number;

  beforeAll(async () => {
    scratch = await createScratchDatabase('metrics');
    db = createDatabase({ url: scratch.url, poolSize: 3 });
    await migrateToLatest(db);
    productId = await insertProduct(db, { title: '量杯', description: '', priceFen: 1500, stock: 10, imageUrl: null }, new Date());
    const port = await freePort();
    ({ app } = await buildTestApp(
      {
        ...wechatVariables(),
        REDIS_URL: TEST_REDIS_URL,
        // The client's address is the one it forwards (clientIp below): Redis's rate-limit counters
        // are shared with every suite on this machine, this address with none.
        TRUST_PROXY: '127.0.0.1',
        METRICS_TOKEN: TOKEN,
        RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '4',
        // No sweep and no job during the test: the pool's connections in use are the test's own.
        ORDER_SWEEP_INTERVAL_MS: '600000',
        JOB_INTERVAL_MS: '600000',
        ...(await paymentVariables(mock, port)),
      },
      { db },
    ));
    address = await app.listen({ host: '127.0.0.1', port });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    await scratch?.drop();
  });

  it('is 401 without the token or with another one, and names no metric then', async () => {
    for (const token of [null, 'x'.repeat(TOKEN.length), `${TOKEN}x`]) {
      const response = await scrape(`${address}/metrics`, token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ error: { appCode: 'AUTH_REQUIRED' } });
      expect(body).not.toContain('app_');
    }
  });

  it('counts requests by procedure, status and app code, WeChat calls, rate limits, orders and payments', async () => {
    let token: string | null = null;
    const clientIp = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const forwarded = { 'x-forwarded-for': clientIp };
    const client = trpcClientFor(address, { token: () => token, headers: () => forwarded });
    const code = mock.world.issueLoginCode('metrics-user');
    token = (await client.auth.login.mutate({ code })).accessToken;
    // One batch of two calls, as the mini-program's home page sends it.
    await Promise.all([client.user.me.query(), client.health.query()]);
    // The code again: WeChat's 40163, and the app's WECHAT_CODE_USED.
    await expect(client.auth.login.mutate({ code })).rejects.toThrow();
    // A batch with a procedure that does not exist and one that fails its input, beside one that works.
    const batch = await fetch(`${address}/trpc/no.such,order.get,health?batch=1&input=${encodeURIComponent('{"1":{"json":{"id":"x"}}}')}`, {
      headers: { ...forwarded, authorization: `Bearer ${token}` },
    });
    expect(batch.status).toBe(207);
    // A call of a path no procedure has, alone.
    expect((await fetch(`${address}/trpc/nope.nothing`)).status).toBe(404);
    // Sign-ins until the per-IP limit (4 a minute) refuses one: three have been made already.
    const refused = [];
    for (let i = 0; i < 3; i += 1) {
      refused.push(await client.auth.login.mutate({ code: mock.world.issueLoginCode(`metrics-more-${i}`) }).catch((e: unknown) => e));
    }
    expect(refused.some((result) => result instanceof Error)).toBe(true);
    // An order, cancelled; another, paid through WeChat Pay's notification.
    const cancelled = await client.order.create.mutate({
      items: [{ productId, quantity: 1 }],
      idempotencyKey: `metrics-${process.pid}-cancel-0001`,
    });
    await client.order.cancel.mutate({ id: cancelled.id });
    const paid = await client.order.create.mutate({
      items: [{ productId, quantity: 1 }],
      idempotencyKey: `metrics-${process.pid}-pay-00001`,
    });
    userPays(mock, prepayIdOf(await client.pay.prepare.mutate({ orderId: paid.id })));
    await waitUntil(
      'the order to be paid',
      async () => (await client.order.get.query({ id: paid.id })).status === 'PAID',
      undefined,
      5_000,
    );
    // A plain route, and one that does not exist.
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    expect((await fetch(`${address}/no/such/${Date.now()}`)).status).toBe(404);

    const response = await scrape(`${address}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(await response.text());
    const requests = (labels: Record<string, string>) => sampleOf(samples, 'app_request_duration_seconds_count', labels);

    // Requests: each call of a batch under its own procedure, status and app code.
    expect(requests({ procedure: 'auth.login', status: '200', app_code: 'OK' })).toBe(3);
    expect(requests({ procedure: 'auth.login', status: '400', app_code: 'WECHAT_CODE_USED' })).toBe(1);
    expect(requests({ procedure: 'auth.login', status: '429', app_code: 'RATE_LIMITED' })).toBeGreaterThanOrEqual(1);
    expect(requests({ procedure: 'user.me', status: '200', app_code: 'OK' })).toBe(1);
    expect(requests({ procedure: 'health', status: '200', app_code: 'OK' })).toBe(2);
    expect(requests({ procedure: '(unknown)', status: '404', app_code: 'NOT_FOUND' })).toBe(2);
    expect(requests({ procedure: 'order.get', status: '400', app_code: 'VALIDATION_FAILED' })).toBe(1);
    expect(requests({ procedure: 'order.cancel', status: '200', app_code: 'OK' })).toBe(1);
    expect(requests({ procedure: '/healthz', status: '200', app_code: 'OK' })).toBe(1);
    expect(requests({ procedure: '(unmatched)', status: '404', app_code: 'NOT_FOUND' })).toBe(1);
    expect(requests({ procedure: '/webhooks/wechatpay', status: '200', app_code: 'OK' })).toBe(1);
    // Label values come from the app, never from what clients wrote; scrapes are not counted.
    const procedures = new Set(samples.filter((s) => s.name === 'app_request_duration_seconds_count').map((s) => s.labels.procedure));
    for (const procedure of procedures) expect(procedure).not.toMatch(/nope|no\/such|no\.such|metrics/);
    // A histogram: its buckets and sum are there too.
    expect(
      sampleOf(samples, 'app_request_duration_seconds_bucket', { procedure: 'user.me', status: '200', app_code: 'OK', le: '+Inf' }),
    ).toBe(1);
    expect(sampleOf(samples, 'app_request_duration_seconds_sum', { procedure: 'user.me', status: '200', app_code: 'OK' })).toBeGreaterThan(
      0,
    );

    // WeChat: each call by endpoint and errcode, the breaker, the access token (pay's message job does not need one here).
    expect(sampleOf(samples, 'app_wechat_call_duration_seconds_count', { endpoint: 'sns/jscode2session', errcode: '0' })).toBe(3);
    expect(sampleOf(samples, 'app_wechat_call_duration_seconds_count', { endpoint: 'sns/jscode2session', errcode: '40163' })).toBe(1);
    expect(sampleOf(samples, 'app_wechat_breaker_state')).toBe(0);
    // Before the breaker ever opens, the series the WeChatBreakerOpen alert's increase() reads is there.
    expect(sampleOf(samples, 'app_wechat_breaker_transitions_total', { to: 'open' })).toBe(0);
    // Sign-ins (jscode2session) and payments fetch no access token.
    expect(sampleOf(samples, 'app_wechat_access_token_refreshes_total', { forced: 'false' })).toBe(0);

    // Rate limits, by limiter.
    expect(sampleOf(samples, 'app_rate_limit_rejections_total', { limiter: 'loginPerIp' })).toBeGreaterThanOrEqual(1);
    expect(sampleOf(samples, 'app_rate_limit_rejections_total', { limiter: 'mutationsPerUser' })).toBe(0);
    expect(sampleOf(samples, 'app_rate_limit_degraded_decisions_total')).toBe(0);

    // Orders and WeChat Pay's notification.
    expect(sampleOf(samples, 'app_order_transitions_total', { to: 'PENDING_PAYMENT', reason: 'CREATED' })).toBe(2);
    expect(sampleOf(samples, 'app_order_transitions_total', { to: 'CLOSED', reason: 'CANCELLED' })).toBe(1);
    expect(sampleOf(samples, 'app_order_transitions_total', { to: 'PAID', reason: 'WECHATPAY_NOTIFY' })).toBe(1);
    expect(sampleOf(samples, 'app_payment_notifications_total', { kind: 'transaction', outcome: 'paid' })).toBe(1);

    // The database pool (MariaDB, DB_POOL_SIZE 3 here), Redis, the process.
    expect(sampleOf(samples, 'app_db_pool_connections_max')).toBe(3);
    // Every request has been answered and nothing runs in the background: no connection is lent;
    // one the test holds (a transaction on the app's own pool) is.
    expect(sampleOf(samples, 'app_db_pool_connections_in_use')).toBe(0);
    const inUseDuringTransaction = await db
      .transaction()
      .execute(async () => sampleOf(parseExposition(await (await scrape(`${address}/metrics`)).text()), 'app_db_pool_connections_in_use'));
    expect(inUseDuringTransaction).toBe(1);
    expect(sampleOf(samples, 'app_db_pool_requests_waiting')).toBe(0);
    expect(sampleOf(samples, 'app_redis_up')).toBe(1);
    expect(samples.find((s) => s.name === 'app_info')).toMatchObject({ labels: { version: packageJson.version }, value: 1 });
    // Measured, not 0: the traffic gave the event-loop monitor its samples (no value of its own to expect).
    expect(sampleOf(samples, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0);
    expect(sampleOf(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(samples.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
  });
});

describe('where /metrics is served', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('with METRICS_PORT: on that port only, never on the public one; its other paths are 404', async () => {
    const metricsPort = await freePort();
    ({ app } = await buildTestApp({ ...wechatVariables(), METRICS_PORT: String(metricsPort) }));
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    await fetch(`${address}/trpc/health`);

    for (const path of ['/metrics', '/metrics?x=1']) {
      expect((await fetch(`${address}${path}`)).status).toBe(404);
      expect((await scrape(`${address}${path}`)).status).toBe(404);
    }
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    const samples = parseExposition(await response.text());
    expect(sampleOf(samples, 'app_request_duration_seconds_count', { procedure: 'health', status: '200', app_code: 'OK' })).toBe(1);
    // The public port's 404s above are counted, as unmatched URLs.
    expect(
      sampleOf(samples, 'app_request_duration_seconds_count', { procedure: '(unmatched)', status: '404', app_code: 'NOT_FOUND' }),
    ).toBe(4);
    expect(sampleOf(samples, 'app_db_pool_connections_max')).toBe(0); // the embedded SQLite has no pool
    expect(samples.some((s) => s.name === 'app_redis_up')).toBe(false); // no Redis configured
    // Coded as on the public port, with the request's id (the caller's, when it sends a sane one).
    const notFound = await fetch(`http://127.0.0.1:${metricsPort}/`, { headers: { 'x-request-id': 'scraper-probe-0001' } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-request-id')).toBe('scraper-probe-0001');
    expect(await notFound.json()).toEqual({
      error: { appCode: 'NOT_FOUND', message: errorCatalog.NOT_FOUND.message, requestId: 'scraper-probe-0001', issues: null },
    });
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' })).status).toBe(405);

    // Closed with the app.
    await app.close();
    app = undefined;
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it('with METRICS_PORT and METRICS_TOKEN: the port asks for the token too', async () => {
    const metricsPort = await freePort();
    ({ app } = await buildTestApp({ METRICS_PORT: String(metricsPort), METRICS_TOKEN: TOKEN }));
    await app.ready();
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(401);
    expect((await scrape(`http://127.0.0.1:${metricsPort}/metrics`, 'wrong')).status).toBe(401);
    expect((await scrape(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
  });

  it('a METRICS_PORT already taken fails the start, naming it', async () => {
    const metricsPort = await freePort();
    const { app: first } = await buildTestApp({ METRICS_PORT: String(metricsPort) });
    try {
      await first.ready();
      ({ app } = await buildTestApp({ METRICS_PORT: String(metricsPort) }));
      await expect(app.ready()).rejects.toThrow(`127.0.0.1:${metricsPort} (METRICS_PORT) is already in use`);
    } finally {
      await first.close();
    }
  });

  it('without METRICS_PORT and METRICS_TOKEN: no /metrics at all', async () => {
    ({ app } = await buildTestApp());
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    expect((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
  });
});

describe.each(['lean', 'official'] as const)('request labels with TRPC_HOST=%s', (host) => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('one observation per call of a batch, each with its own status and code; a whole refusal once', async () => {
    ({ app } = await buildTestApp({ TRPC_HOST: host, METRICS_TOKEN: TOKEN }));
    expect((await app.inject('/trpc/user.me,health,health?batch=1&input={}')).statusCode).toBe(207);
    // Refused as a whole: too many calls in a batch; a body without a content type.
    const tooMany = Array.from({ length: MAX_BATCH_SIZE + 1 }, () => 'health').join(',');
    expect((await app.inject(`/trpc/${tooMany}?batch=1&input={}`)).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/trpc/auth.logout', body: 'x' })).statusCode).toBe(415);
    const response = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    const samples = parseExposition(response.body);
    const requests = (labels: Record<string, string>) => sampleOf(samples, 'app_request_duration_seconds_count', labels);
    expect(requests({ procedure: 'user.me', status: '401', app_code: 'AUTH_REQUIRED' })).toBe(1);
    expect(requests({ procedure: 'health', status: '200', app_code: 'OK' })).toBe(2);
    expect(requests({ procedure: '(batch)', status: '400', app_code: 'MALFORMED_REQUEST' })).toBe(1);
    expect(requests({ procedure: 'auth.logout', status: '415', app_code: 'UNSUPPORTED_MEDIA_TYPE' })).toBe(1);
    // Nothing else: the eleven calls of the refused batch are not eleven observations.
    const all = samples.filter((s) => s.name === 'app_request_duration_seconds_count').reduce((sum, s) => sum + s.value, 0);
    expect(all).toBe(5);
  });
});

describe('metrics configuration', () => {
  it('production refuses a short or placeholder METRICS_TOKEN, naming it', () => {
    for (const token of ['short-token', 'change-me-to-a-random-string-of-at-least-48-characters']) {
      const problems = configProblemsOf({ NODE_ENV: 'production', ...PRODUCTION_SECRETS, METRICS_TOKEN: token });
      expect(problems.map((p) => p.variable)).toEqual(['METRICS_TOKEN']);
    }
    const config = loadConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS, METRICS_TOKEN: TOKEN });
    expect(config.metrics).toEqual({ port: null, host: '127.0.0.1', token: TOKEN });
  });

  it('refuses METRICS_PORT equal to PORT, and METRICS_HOST without METRICS_PORT', () => {
    expect(configProblemsOf({ PORT: '3000', METRICS_PORT: '3000' }).map((p) => p.variable)).toEqual(['METRICS_PORT']);
    expect(configProblemsOf({ METRICS_HOST: '0.0.0.0' }).map((p) => p.variable)).toEqual(['METRICS_HOST']);
  });
});
