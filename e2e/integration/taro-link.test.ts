/**
 * The mini-program's tRPC transport against the real server: the app's own client (createApi),
 * with Taro.request played by Node's HTTP stack. Each block is one promise the transport makes;
 * all of them hold through the lean tRPC host and through tRPC's official adapter.
 */
import { errorCatalog } from '@app/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appErrorOf } from '@app/miniprogram/src/errors/app-error';
import type { ApiOptions } from '@app/miniprogram/src/api/create-api';
import { createTestApi, EXPIRE_ACCESS_TOKEN_MS, rejectionOf } from './support/api';
import type { AppRouter } from '@app/api';
import { createTRPCClient } from '@trpc/client';
import { ConcurrencyLimiter } from '@app/miniprogram/src/api/concurrency';
import { taroLink } from '@app/miniprogram/src/api/taro-link';
import { createNodeTaroPlatform, type NodeTaroPlatform } from './support/node-taro-request';
import { startTestServer, type TestServer } from './support/test-server';

// The whole suite runs through both tRPC hosts: the lean one and tRPC's official adapter.
describe.each(['lean', 'official'])('through the %s tRPC host', (host) => {
  let server: TestServer;
  let platform: NodeTaroPlatform;

  beforeAll(async () => {
    // Access tokens live 10 s here and the server tolerates 30 s of clock skew: 41 s expire them.
    server = await startTestServer({ TRPC_HOST: host, ACCESS_TOKEN_TTL_SECONDS: '10', RATE_LIMIT_MUTATIONS_PER_USER_PER_MINUTE: '1000' });
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.network.delayMs = 0;
    server.network.gatewayErrors = 0;
    server.mock.world.clearFaults();
  });

  function newApi(options: Partial<ApiOptions> = {}) {
    const api = createTestApi(server, options);
    platform = api.platform;
    return api;
  }

  async function signedInApi(options: Partial<ApiOptions> = {}) {
    const api = newApi(options);
    await api.session.signIn();
    platform.reset();
    return api;
  }

  const trpcRequests = () => platform.sent.filter((request) => request.procedures !== '');
  const logLineOf = (requestId: string) => server.logs.lines.find((line) => line.reqId === requestId && line.msg === 'request');

  describe('batching and superjson', () => {
    it('sends the queries a page fires together as one GET, and restores Dates', async () => {
      const { client } = await signedInApi();
      const [me, health, again] = await Promise.all([client.user.me.query(), client.health.query(), client.user.me.query()]);

      expect(trpcRequests()).toHaveLength(1);
      expect(trpcRequests()[0]).toMatchObject({ method: 'GET', procedures: 'user.me,health,user.me' });
      // Queries without input send none: the server reads a missing input as undefined.
      expect(trpcRequests()[0]!.url).toMatch(/\/trpc\/user\.me,health,user\.me\?batch=1$/);
      expect(me.createdAt).toBeInstanceOf(Date);
      expect(health.time).toBeInstanceOf(Date);
      expect(again.id).toBe(me.id);
    });

    it('sends only the inputs there are: a batch mixing queries with and without input', async () => {
      const { client } = await signedInApi();
      const [me, product, health] = await Promise.allSettled([
        client.user.me.query(),
        client.catalog.get.query({ id: 424242 }),
        client.health.query(),
      ]);

      expect(trpcRequests()).toHaveLength(1);
      const url = new URL(trpcRequests()[0]!.url);
      expect(url.searchParams.get('batch')).toBe('1');
      expect(JSON.parse(url.searchParams.get('input')!) as unknown).toEqual({ 1: { json: { id: 424242 } } });
      expect([me.status, product.status, health.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((me as PromiseFulfilledResult<{ id: number }>).value.id).toBeGreaterThan(0);
      // The product's input was read (without it: VALIDATION_FAILED); there is no such product.
      expect(appErrorOf((product as PromiseRejectedResult).reason).code).toBe('PRODUCT_NOT_FOUND');
      expect((health as PromiseFulfilledResult<{ ok: boolean }>).value.ok).toBe(true);
    });

    it('sends mutations together as one POST, apart from queries, with each result or error in its place', async () => {
      const { client } = await signedInApi();
      const results = await Promise.allSettled([
        client.user.updateProfile.mutate({ nickname: '小明' }),
        client.user.updateProfile.mutate({ nickname: '' }),
        client.health.query(),
      ]);

      expect(
        trpcRequests()
          .map((r) => `${r.method} ${r.procedures}`)
          .sort(),
      ).toEqual(['GET health', 'POST user.updateProfile,user.updateProfile']);
      expect(results[0]).toMatchObject({ status: 'fulfilled', value: { nickname: '小明' } });
      expect(results[1].status).toBe('rejected');
      const invalid = appErrorOf((results[1] as PromiseRejectedResult).reason);
      expect(invalid.code).toBe('VALIDATION_FAILED');
      expect(invalid.issues?.[0]).toEqual({ path: 'nickname', message: '昵称不能为空' });
    });

    it('splits a batch that would exceed the batch size', async () => {
      const { client } = await signedInApi();
      await Promise.all(Array.from({ length: 12 }, () => client.health.query()));
      expect(trpcRequests().map((r) => r.procedures.split(',').length)).toEqual([10, 2]);
    });

    it('splits GET batches at the URL length limit, but not POST batches', async () => {
      platform = createNodeTaroPlatform();
      // Each catalog.list call adds about 60 characters to the URL (its path and its input): 200
      // holds two of them, not three.
      const client = createTRPCClient<AppRouter>({
        links: [
          taroLink({ url: () => `${server.url}/trpc`, request: platform.request, limiter: new ConcurrencyLimiter(), maxUrlLength: 200 }),
        ],
      });
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => client.catalog.list.query({ limit: i + 1 })));
      expect(results.map((page) => page.nextCursor)).toEqual([null, null, null, null, null]); // no products here
      const sizes = trpcRequests().map((r) => r.procedures.split(',').length);
      expect(sizes.length).toBeGreaterThan(1);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(5);
      expect(trpcRequests().every((r) => r.url.length <= 200)).toBe(true);

      platform.reset();
      const long = 'a'.repeat(900);
      const outcomes = await Promise.allSettled([1, 2, 3].map(() => client.user.updateProfile.mutate({ nickname: long })));
      expect(outcomes.every((o) => o.status === 'rejected')).toBe(true); // no token, and too long a nickname
      expect(trpcRequests()).toHaveLength(1); // the inputs travel in the body: one request
    });
  });

  describe('request ids and headers', () => {
    it('sends Authorization and a fresh X-Request-Id per HTTP request; the server logs it and errors carry it', async () => {
      const { client, session } = await signedInApi();
      await client.user.me.query();
      const error = appErrorOf(await rejectionOf(client.user.updateProfile.mutate({ nickname: ' ' })));

      const [first, second] = trpcRequests();
      expect(first!.headers.authorization).toBe(`Bearer ${session.accessToken}`);
      expect(first!.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{8,128}$/);
      expect(second!.headers['x-request-id']).not.toBe(first!.headers['x-request-id']);
      expect(error.requestId).toBe(second!.headers['x-request-id']);
      expect(logLineOf(first!.headers['x-request-id']!)).toMatchObject({ procedure: 'user.me', status: 200 });
    });

    it('sends the gray channel when one is set, and the server logs it', async () => {
      const { client } = await signedInApi({ grayChannel: () => 'canary' });
      await client.health.query();
      const requestId = trpcRequests()[0]!.headers['x-request-id']!;
      expect(trpcRequests()[0]!.headers['x-gray-channel']).toBe('canary');
      expect(logLineOf(requestId)?.grayChannel).toBe('canary');
    });
  });

  describe('timeouts and cancellation', () => {
    it("gives a request as long as its longest call may take: a sign-in slower than the link's default still signs in", async () => {
      const api = newApi({ timeoutMs: 300, signInTimeoutMs: 3_000 });
      server.network.delayMs = 1_600; // past the default and its 1 s backstop, within the sign-in's own 3 s
      await api.session.signIn();
      expect(api.session.state.status).toBe('signed-in');
      expect(
        trpcRequests()
          .filter((r) => r.procedures === 'auth.login')
          .map((r) => r.outcome),
      ).toEqual(['answered']);
    });

    it('fails a call after its own timeout with REQUEST_TIMEOUT and aborts the request', async () => {
      const { client } = await signedInApi();
      server.network.delayMs = 1_000;
      const error = appErrorOf(await rejectionOf(client.health.query(undefined, { context: { timeoutMs: 100 } })));
      expect(error.code).toBe('REQUEST_TIMEOUT');
      expect(error.message).toBe(errorCatalog.REQUEST_TIMEOUT.message);
      expect(error.requestId).toBe(trpcRequests()[0]!.headers['x-request-id']);
      expect(trpcRequests()[0]!.outcome).toBe('aborted');
    });

    it('keeps a request going while any of its calls still waits for it', async () => {
      const { client } = await signedInApi();
      server.network.delayMs = 300;
      const [short, long] = await Promise.allSettled([
        client.health.query(undefined, { context: { timeoutMs: 50 } }),
        client.user.me.query(),
      ]);
      expect(short.status === 'rejected' && appErrorOf(short.reason).code).toBe('REQUEST_TIMEOUT');
      expect(long.status).toBe('fulfilled');
      expect(trpcRequests()).toHaveLength(1);
      expect(trpcRequests()[0]!.outcome).toBe('answered');
    });

    it('cancels a call whose signal aborts in flight (a page unmounting), aborting its request', async () => {
      const { client } = await signedInApi();
      server.network.delayMs = 1_000;
      const controller = new AbortController();
      const pending = rejectionOf(client.user.me.query(undefined, { signal: controller.signal }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      expect(appErrorOf(await pending).code).toBe('REQUEST_CANCELLED');
      expect(trpcRequests()[0]!.outcome).toBe('aborted');
    });

    it('never sends a call cancelled before its batch left', async () => {
      const { client } = await signedInApi();
      const controller = new AbortController();
      const pending = rejectionOf(client.user.me.query(undefined, { signal: controller.signal }));
      controller.abort();
      expect(appErrorOf(await pending).code).toBe('REQUEST_CANCELLED');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(trpcRequests()).toHaveLength(0);

      const already = new AbortController();
      already.abort();
      expect(appErrorOf(await rejectionOf(client.health.query(undefined, { signal: already.signal }))).code).toBe('REQUEST_CANCELLED');
      expect(trpcRequests()).toHaveLength(0);
    });
  });

  describe('WeChat’s limit of 10 requests in flight', () => {
    it('queues the 11th request instead of failing it', async () => {
      const { client } = await signedInApi();
      server.network.delayMs = 100;
      // Calls made in separate ticks are separate requests: 25 of them, all slow.
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 25; i += 1) {
        calls.push(client.health.query());
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const results = await Promise.allSettled(calls);

      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(25);
      expect(trpcRequests()).toHaveLength(25);
      expect(platform.maxInFlight).toBe(10); // reached, never passed: the rest waited their turn
      expect(trpcRequests().every((request) => request.outcome === 'answered')).toBe(true);
    });
  });

  describe('an expired access token', () => {
    it('is refreshed once for all the calls that hit it, which then replay and succeed', async () => {
      const { client, session } = await signedInApi();
      const before = session.accessToken;
      server.clock.advance(EXPIRE_ACCESS_TOKEN_MS);

      const [me, health, updated] = await Promise.all([
        client.user.me.query(),
        client.health.query(),
        client.user.updateProfile.mutate({ nickname: '刷新之后' }),
      ]);

      expect(me.id).toBe(updated.id);
      expect(health.ok).toBe(true);
      expect(updated.nickname).toBe('刷新之后');
      expect(trpcRequests().filter((r) => r.procedures === 'auth.refresh')).toHaveLength(1);
      expect(session.accessToken).not.toBe(before);
      // Replays carry the new token.
      const replays = trpcRequests().slice(-2);
      expect(replays.every((r) => r.headers.authorization === `Bearer ${session.accessToken}`)).toBe(true);
    });

    it('falls back to a silent re-login when the refresh fails, as the same WeChat user', async () => {
      const api = await signedInApi();
      const firstUserId = api.session.userId;
      // The server forgets the session (a logout elsewhere): the refresh token is no longer good.
      await api.client.auth.logout.mutate();
      server.clock.advance(EXPIRE_ACCESS_TOKEN_MS);
      const logins = server.mock.world.stats.jscode2session;

      const me = await api.client.user.me.query();
      expect(me.id).toBe(firstUserId);
      expect(server.mock.world.stats.jscode2session).toBe(logins + 1);
      expect(trpcRequests().map((r) => r.procedures)).toEqual(expect.arrayContaining(['auth.refresh', 'auth.login']));
    });

    it('gives an error only when the re-login fails too: the re-login’s own', async () => {
      const api = await signedInApi({ signInTimeoutMs: 3_000 });
      await api.client.auth.logout.mutate();
      server.clock.advance(EXPIRE_ACCESS_TOKEN_MS);
      server.mock.world.setFaults({ down: true });

      const error = appErrorOf(await rejectionOf(api.client.user.me.query()));
      expect(error.code).toBe('WECHAT_UNAVAILABLE');
      expect(error.message).toBe(errorCatalog.WECHAT_UNAVAILABLE.message);
      expect(api.session.state.status).toBe('failed');
    });

    it('does not sign in again behind the back of a user who signed out', async () => {
      const api = await signedInApi();
      await api.session.signOut();
      const error = appErrorOf(await rejectionOf(api.client.user.me.query()));
      expect(error.code).toBe('AUTH_REQUIRED');
      expect(trpcRequests().filter((r) => r.procedures === 'auth.login')).toHaveLength(0);
    });
  });

  describe('signing out while the session is being repaired', () => {
    it('lets the refresh under way finish, ends its tokens, and keeps the user signed out', async () => {
      const api = await signedInApi();
      server.clock.advance(EXPIRE_ACCESS_TOKEN_MS);
      server.network.delayMs = 150; // the refresh is still on its way when the user signs out
      const call = api.client.user.me.query();
      while (!trpcRequests().some((r) => r.procedures === 'auth.refresh')) await new Promise((resolve) => setTimeout(resolve, 5));
      const refreshed = trpcRequests().find((r) => r.procedures === 'auth.refresh')!;
      expect(refreshed.outcome).toBe('pending');

      await api.session.signOut();
      await call.catch(() => undefined);
      expect(api.session.state.status).toBe('signed-out');
      expect(api.session.accessToken).toBeNull();
      // Sign-out never presented the refresh token the repair replaced (the server would have taken it
      // for a stolen one and said so); it ended the session with a logout; no sign-in followed.
      expect(server.logs.lines.some((line) => line.msg === 'refresh token reuse: session revoked')).toBe(false);
      expect(
        trpcRequests()
          .filter((r) => r.procedures === 'auth.logout')
          .map((r) => r.outcome),
      ).toEqual(['answered']);
      expect(trpcRequests().filter((r) => r.procedures === 'auth.login')).toHaveLength(0);
      // Still out afterwards: a call needs the user to sign in.
      expect(appErrorOf(await rejectionOf(api.client.user.me.query())).code).toBe('AUTH_REQUIRED');
    });
  });

  describe('retries', () => {
    it('retries a query with backoff when the network drops it', async () => {
      const { client } = await signedInApi();
      platform.failNext(2);
      const health = await client.health.query();
      expect(health.ok).toBe(true);
      expect(trpcRequests().map((r) => r.outcome)).toEqual(['failed', 'failed', 'answered']);
    });

    it('retries a query through a gateway error page, and gives up after three attempts', async () => {
      const { client } = await signedInApi();
      server.network.gatewayErrors = 1;
      expect((await client.health.query()).ok).toBe(true);

      platform.reset();
      server.network.gatewayErrors = 5;
      const error = appErrorOf(await rejectionOf(client.health.query()));
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
      expect(trpcRequests()).toHaveLength(3);
    });

    it('never retries a mutation blindly', async () => {
      const { client } = await signedInApi();
      platform.failNext(1);
      const error = appErrorOf(await rejectionOf(client.user.updateProfile.mutate({ nickname: '不重试' })));
      expect(error.code).toBe('NETWORK_ERROR');
      expect(error.message).toBe('网络连接失败，请检查网络后重试');
      expect(trpcRequests()).toHaveLength(1);
    });
  });

  describe('errors', () => {
    it('surfaces every failure as a shared code with its zh-CN message', async () => {
      const { client } = await signedInApi();
      // A body over the server's limit is refused before tRPC: a coded HTTP error, not a tRPC one.
      const tooLarge = appErrorOf(await rejectionOf(client.user.updateProfile.mutate({ nickname: 'x'.repeat(2 * 1024 * 1024) })));
      expect(tooLarge).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: errorCatalog.PAYLOAD_TOO_LARGE.message });
      expect(tooLarge.requestId).toBe(trpcRequests()[0]!.headers['x-request-id']);

      const unknown = appErrorOf(await rejectionOf((client as unknown as { nope: { query(): Promise<unknown> } }).nope.query()));
      expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: errorCatalog.NOT_FOUND.message });

      const unreachable = newApi({ baseUrl: () => 'http://127.0.0.1:1' });
      const offline = appErrorOf(await rejectionOf(unreachable.client.health.query()));
      expect(offline).toMatchObject({ code: 'NETWORK_ERROR', message: errorCatalog.NETWORK_ERROR.message });
    });
  });
});
