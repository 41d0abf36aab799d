/**
 * The AbortController stand-in the weapp build injects (WeChat's engine has none) is enough for
 * tRPC's client and our link: calls work, and cancel, with it in place of the native one.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appErrorOf } from '@app/miniprogram/src/errors/app-error';
import { MiniAbortController } from '@app/miniprogram/src/platform/abort-controller';
import { createTestApi, rejectionOf } from './support/api';
import { startTestServer, type TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  vi.stubGlobal('AbortController', MiniAbortController);
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await server.close();
});

describe('MiniAbortController', () => {
  it('fires abort listeners once, with a reason, and then forgets them', () => {
    const controller = new MiniAbortController();
    const heard: unknown[] = [];
    const listener = () => heard.push(controller.signal.reason);
    controller.signal.addEventListener('abort', listener);
    controller.abort('gone');
    controller.abort('again');
    expect(heard).toEqual(['gone']);
    expect(controller.signal.aborted).toBe(true);
    expect(() => controller.signal.throwIfAborted()).toThrow();
    expect(new MiniAbortController().signal.aborted).toBe(false);
  });

  it('stands in for the native one under the tRPC client: calls succeed and cancel', async () => {
    expect(globalThis.AbortController).toBe(MiniAbortController);
    const api = createTestApi(server);
    await api.session.start();
    expect((await api.client.health.query()).ok).toBe(true);

    server.network.delayMs = 500;
    const controller = new MiniAbortController();
    const pending = rejectionOf(api.client.user.me.query(undefined, { signal: controller.signal as unknown as AbortSignal }));
    setTimeout(() => controller.abort(), 50);
    expect(appErrorOf(await pending).code).toBe('REQUEST_CANCELLED');
    server.network.delayMs = 0;
  });
});
