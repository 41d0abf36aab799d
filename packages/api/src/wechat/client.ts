/**
 * The WeChat server API client. Every call has a timeout; `-1` (busy) and network failures are
 * retried with backoff; a circuit breaker turns an outage into an immediate WECHAT_UNAVAILABLE
 * instead of piling up requests. The app secret travels only in requests, never in logs or errors.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import { AccessTokenProvider, AccessTokenUnavailableError, type AccessTokenStore } from './access-token';
import {
  WeChatApiError,
  WeChatTransportError,
  WECHAT_INVALID_CREDENTIAL_ERRCODES,
  appCodeForLoginError,
  appCodeForPhoneError,
  isTransientWeChatFailure,
} from './errors';
import { sessionSignature } from './open-data';

export interface WeChatClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  logger: Logger;
  tokenStore: AccessTokenStore;
  /** Per attempt (default 5 s). */
  timeoutMs?: number;
  /** Attempts after the first one, for busy/network failures (default 2). */
  retries?: number;
  retryInitialDelayMs?: number;
  /** Consecutive failed calls that open the breaker (default 5). */
  breakerThreshold?: number;
  /** How long the breaker stays open before letting a trial call through (default 10 s). */
  breakerHalfOpenAfterMs?: number;
  now?: () => number;
}

export interface Code2SessionResult {
  openid: string;
  sessionKey: string;
  unionid: string | null;
}

export interface PhoneInfo {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

type Json = Record<string, unknown>;

export class WeChatClient {
  readonly appId: string;
  readonly #options: WeChatClientOptions & { timeoutMs: number };
  readonly #policy: IPolicy;
  readonly #breaker: ReturnType<typeof circuitBreaker>;
  readonly #tokens: AccessTokenProvider;

  constructor(options: WeChatClientOptions) {
    this.appId = options.appId;
    this.#options = { ...options, timeoutMs: options.timeoutMs ?? 5_000 };
    const retryPolicy = retry(handleWhen(isTransientWeChatFailure), {
      maxAttempts: options.retries ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: options.retryInitialDelayMs ?? 100, maxDelay: 2_000 }),
    });
    this.#breaker = circuitBreaker(handleWhen(isTransientWeChatFailure), {
      halfOpenAfter: options.breakerHalfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
    });
    this.#breaker.onStateChange((state) => {
      options.logger.warn({ breaker: CircuitState[state] }, 'WeChat API circuit breaker changed state');
    });
    this.#policy = wrap(this.#breaker, retryPolicy);
    this.#tokens = new AccessTokenProvider({
      store: options.tokenStore,
      now: options.now,
      fetchToken: (forceRefresh) => this.#fetchStableToken(forceRefresh),
    });
  }

  get breakerState(): 'closed' | 'open' | 'half-open' | 'isolated' {
    return (['closed', 'open', 'half-open', 'isolated'] as const)[this.#breaker.state];
  }

  /** One HTTP exchange with WeChat, through the breaker and retries. */
  async #call(endpoint: string, init: { query?: Record<string, string>; body?: Json }): Promise<Json> {
    const url = new URL(endpoint, this.#options.baseUrl.endsWith('/') ? this.#options.baseUrl : `${this.#options.baseUrl}/`);
    for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
    return this.#policy.execute(async ({ signal }) => {
      let response: Response;
      try {
        response = await fetch(url, {
          method: init.body ? 'POST' : 'GET',
          headers: init.body ? { 'content-type': 'application/json' } : undefined,
          body: init.body ? JSON.stringify(init.body) : undefined,
          signal: AbortSignal.any([signal, AbortSignal.timeout(this.#options.timeoutMs)]),
        });
      } catch (error) {
        const reason = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network';
        throw new WeChatTransportError(endpoint, reason, error instanceof Error ? error.name : undefined);
      }
      if (!response.ok) throw new WeChatTransportError(endpoint, 'http');
      let data: Json;
      try {
        data = (await response.json()) as Json;
      } catch {
        throw new WeChatTransportError(endpoint, 'http');
      }
      const errcode = typeof data.errcode === 'number' ? data.errcode : 0;
      if (errcode !== 0) throw new WeChatApiError(endpoint, errcode, typeof data.errmsg === 'string' ? data.errmsg : '');
      return data;
    });
  }

  /** Maps transport and breaker failures to WECHAT_UNAVAILABLE, API errors through `codeFor`. */
  #fail(error: unknown, codeFor: (errcode: number) => ReturnType<typeof appCodeForLoginError>): never {
    if (error instanceof AppError) throw error;
    if (error instanceof BrokenCircuitError || error instanceof WeChatTransportError || error instanceof AccessTokenUnavailableError) {
      this.#options.logger.warn(
        { wechatError: error.name, reason: (error as Partial<WeChatTransportError>).reason },
        'WeChat API unavailable',
      );
      throw new AppError('WECHAT_UNAVAILABLE', { cause: error });
    }
    if (error instanceof WeChatApiError) {
      const appCode = codeFor(error.errcode);
      const log = appCode === 'INTERNAL_ERROR' ? this.#options.logger.error : this.#options.logger.info;
      log.call(this.#options.logger, { endpoint: error.endpoint, errcode: error.errcode, errmsg: error.errmsg }, 'WeChat API error');
      throw new AppError(appCode, { cause: error });
    }
    throw error;
  }

  async code2Session(code: string): Promise<Code2SessionResult> {
    try {
      const data = await this.#call('sns/jscode2session', {
        query: { appid: this.appId, secret: this.#options.appSecret, js_code: code, grant_type: 'authorization_code' },
      });
      if (typeof data.openid !== 'string' || typeof data.session_key !== 'string') {
        throw new WeChatTransportError('sns/jscode2session', 'http');
      }
      return { openid: data.openid, sessionKey: data.session_key, unionid: typeof data.unionid === 'string' ? data.unionid : null };
    } catch (error) {
      return this.#fail(error, appCodeForLoginError);
    }
  }

  async #fetchStableToken(forceRefresh: boolean): Promise<{ token: string; expiresInSeconds: number }> {
    const data = await this.#call('cgi-bin/stable_token', {
      body: { grant_type: 'client_credential', appid: this.appId, secret: this.#options.appSecret, force_refresh: forceRefresh },
    });
    if (typeof data.access_token !== 'string' || typeof data.expires_in !== 'number') {
      throw new WeChatTransportError('cgi-bin/stable_token', 'http');
    }
    return { token: data.access_token, expiresInSeconds: data.expires_in };
  }

  async getAccessToken(): Promise<string> {
    try {
      return await this.#tokens.get();
    } catch (error) {
      return this.#fail(error, appCodeForLoginError);
    }
  }

  /** Calls an endpoint that takes `?access_token=`; a rejected token is replaced once. */
  async #withAccessToken(endpoint: string, init: { query?: Record<string, string>; body?: Json }): Promise<Json> {
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.#tokens.get();
      try {
        return await this.#call(endpoint, { ...init, query: { ...init.query, access_token: token } });
      } catch (error) {
        if (attempt === 1 && error instanceof WeChatApiError && WECHAT_INVALID_CREDENTIAL_ERRCODES.has(error.errcode)) {
          await this.#tokens.invalidate(token);
          continue;
        }
        throw error;
      }
    }
  }

  async getPhoneNumber(code: string): Promise<PhoneInfo> {
    try {
      const data = await this.#withAccessToken('wxa/business/getuserphonenumber', { body: { code } });
      const info = data.phone_info as Partial<PhoneInfo> | undefined;
      if (!info || typeof info.purePhoneNumber !== 'string') throw new WeChatTransportError('wxa/business/getuserphonenumber', 'http');
      return { phoneNumber: String(info.phoneNumber), purePhoneNumber: info.purePhoneNumber, countryCode: String(info.countryCode) };
    } catch (error) {
      return this.#fail(error, appCodeForPhoneError);
    }
  }

  /** Whether WeChat still considers this session_key valid for the user. */
  async checkSession(openid: string, sessionKey: string): Promise<boolean> {
    try {
      await this.#withAccessToken('wxa/checksession', {
        query: { openid, signature: sessionSignature(sessionKey), sig_method: 'hmac_sha256' },
      });
      return true;
    } catch (error) {
      if (error instanceof WeChatApiError && error.errcode === 87009) return false;
      return this.#fail(error, appCodeForLoginError);
    }
  }
}
