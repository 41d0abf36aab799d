import pino from 'pino';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { MemoryAccessTokenStore, type AccessTokenStore } from '../../src/wechat/access-token';
import { WeChatClient, type WeChatClientOptions } from '../../src/wechat/client';
import { startWeChatMock, type MockOptions, type RunningWeChatMock } from '@app/wechat-mock';
import type { LogCapture } from '@app/test-support';

export const TEST_APP = { appId: 'wx1234567890abcdef', appSecret: 'test-app-secret-0123456789abcdef' };

export async function startTestMock(options: Partial<MockOptions> = {}): Promise<RunningWeChatMock> {
  return startWeChatMock({ ...TEST_APP, ...options });
}

/**
 * A mock for the describe block (or file) this is called in: started before its tests, its world
 * reset after each test (unless `reset: false`), closed after them. The handle answers with the
 * running mock's url and world once the mock has started (in the tests and in later hooks).
 */
export function useTestMock(options: Partial<MockOptions> & { reset?: boolean } = {}): Pick<RunningWeChatMock, 'url' | 'world'> {
  const { reset = true, ...mockOptions } = options;
  let running: RunningWeChatMock | undefined;
  const started = (): RunningWeChatMock => {
    if (!running) throw new Error('the WeChat mock is not running: useTestMock starts it in beforeAll');
    return running;
  };
  beforeAll(async () => {
    running = await startTestMock(mockOptions);
  });
  if (reset) afterEach(() => running?.world.reset());
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  return {
    get url() {
      return started().url;
    },
    get world() {
      return started().world;
    },
  };
}

export function createTestWeChatClient(
  mock: Pick<RunningWeChatMock, 'url'>,
  options: Partial<WeChatClientOptions> & { logs?: LogCapture; tokenStore?: AccessTokenStore } = {},
): WeChatClient {
  const { logs, ...rest } = options;
  return new WeChatClient({
    baseUrl: mock.url,
    ...TEST_APP,
    logger: logs ? pino({ level: 'debug' }, logs) : pino({ level: 'silent' }),
    tokenStore: new MemoryAccessTokenStore(),
    timeoutMs: 1_000,
    retryInitialDelayMs: 10,
    ...rest,
  });
}
