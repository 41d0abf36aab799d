/**
 * The app's API client, typed by the server's router alone (`import type`: no server code comes
 * along). Links, outermost first:
 *   authRecoveryLink  refresh / silent re-login on auth failures, then one replay
 *   retryLink         queries retried with backoff when the network failed them
 *   taroLink          batching, timeouts, cancellation, request ids, the 10-request limit
 * Sign-in itself goes through a second client with just the transport, so that an expired token
 * can never start a refresh of the refresh.
 */
import type { AppRouter } from '@app/api';
import { GRAY_CHANNEL_HEADER } from '@app/shared';
import { createTRPCClient, retryLink, type TRPCClient } from '@trpc/client';
import { SessionManager } from '../auth/session';
import type { SessionStore } from '../auth/session-store';
import { authRecoveryLink } from './auth-recovery-link';
import type { PlatformRequest } from '../platform/network';
import { ConcurrencyLimiter } from './concurrency';
import { retryDelayMs, shouldRetry } from './retry-policy';
import { taroLink } from './taro-link';

export type ApiClient = TRPCClient<AppRouter>;

export interface ApiOptions {
  /** The API's base URL (the server root, without /trpc). */
  baseUrl: () => string;
  request: PlatformRequest;
  sessionStore: SessionStore;
  getLoginCode: () => Promise<string>;
  /** The tester's gray channel, sent as a header when set. */
  grayChannel?: () => string | null;
  limiter?: ConcurrencyLimiter;
  timeoutMs?: number;
  /** Sign-in waits on WeChat's servers too: it gets longer than other calls. */
  signInTimeoutMs?: number;
  now?: () => number;
}

export interface Api {
  client: ApiClient;
  session: SessionManager;
  limiter: ConcurrencyLimiter;
  /** Authorization and gray channel, for requests made outside tRPC (uploads). */
  headers: () => Record<string, string>;
}

export function createApi(options: ApiOptions): Api {
  const limiter = options.limiter ?? new ConcurrencyLimiter();

  // Read at send time, long after `session` below exists.
  const headers = (): Record<string, string> => {
    const result: Record<string, string> = {};
    const token = session.accessToken;
    if (token) result.authorization = `Bearer ${token}`;
    const channel = options.grayChannel?.();
    if (channel) result[GRAY_CHANNEL_HEADER] = channel;
    return result;
  };

  const transport = taroLink<AppRouter>({
    url: () => `${options.baseUrl()}/trpc`,
    request: options.request,
    limiter,
    headers,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const signInContext = { context: { timeoutMs: options.signInTimeoutMs ?? 20_000 } };
  const authClient = createTRPCClient<AppRouter>({ links: [transport] });

  const session = new SessionManager({
    api: {
      login: (code) => authClient.auth.login.mutate({ code }, signInContext),
      refresh: (refreshToken) => authClient.auth.refresh.mutate({ refreshToken }, signInContext),
      logout: () => authClient.auth.logout.mutate(),
    },
    store: options.sessionStore,
    getLoginCode: options.getLoginCode,
    ...(options.now ? { now: options.now } : {}),
  });

  const client = createTRPCClient<AppRouter>({
    links: [
      authRecoveryLink(session, { skip: (op) => op.path.startsWith('auth.') }),
      retryLink({ retry: shouldRetry, retryDelayMs }),
      transport,
    ],
  });

  return { client, session, limiter, headers };
}
