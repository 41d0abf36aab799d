/** The app's API client against the test server, with Node's HTTP stack as Taro.request. */
import { createApi, type ApiOptions } from '@app/miniprogram/src/api/create-api';
import { MemorySessionStore } from '@app/miniprogram/src/auth/session-store';
import { createNodeTaroPlatform } from './node-taro-request';
import type { TestServer } from './test-server';

export function createTestApi(
  server: TestServer,
  options: Partial<ApiOptions> = {},
  user = `user-${Math.random().toString(36).slice(2, 8)}`,
) {
  const platform = createNodeTaroPlatform();
  const sessionStore = options.sessionStore ?? new MemorySessionStore();
  const api = createApi({
    baseUrl: () => server.url,
    request: platform.request,
    sessionStore,
    getLoginCode: () => Promise.resolve(server.loginCode(user)),
    now: () => server.clock.now().getTime(),
    ...options,
  });
  const trpcRequests = () => platform.sent.filter((request) => request.procedures !== '');
  return { ...api, platform, sessionStore, user, trpcRequests };
}

export const rejectionOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

/** Access tokens live 10 s on the test server, which tolerates 30 s of clock skew. */
export const EXPIRE_ACCESS_TOKEN_MS = 41_000;
