import pino from 'pino';
import { MemoryAccessTokenStore, type AccessTokenStore } from '../../src/wechat/access-token';
import { WeChatClient, type WeChatClientOptions } from '../../src/wechat/client';
import { startWeChatMock, type MockOptions, type RunningWeChatMock } from '@app/wechat-mock';
import type { LogCapture } from '@app/test-support';

export const TEST_APP = { appId: 'wx1234567890abcdef', appSecret: 'test-app-secret-0123456789abcdef' };

export async function startTestMock(options: Partial<MockOptions> = {}): Promise<RunningWeChatMock> {
  return startWeChatMock({ ...TEST_APP, ...options });
}

export function createTestWeChatClient(
  mock: RunningWeChatMock,
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
