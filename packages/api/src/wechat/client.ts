/**
 * The WeChat server API client. Each operation (a sign-in's code exchange, a phone-number
 * exchange, a session check) has a time budget: its attempts, each with its own timeout, and the
 * backoff between them stop when the budget is spent, so a slow or absent WeChat costs a sign-in
 * at most the budget. Requests carrying a single-use code are sent again only when WeChat
 * provably did not use the code (see errors.ts); the others are retried on any transient failure.
 * A circuit breaker turns an outage into an immediate WECHAT_UNAVAILABLE instead of piling up
 * requests. The app secret travels only in requests, never in logs or errors.
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import { AppError } from '../errors';
import { noopTelemetry, type BreakerState, type Telemetry } from '../telemetry';
import { AccessTokenProvider, AccessTokenUnavailableError, type AccessTokenStore } from './access-token';
import {
  WeChatApiError,
  WeChatTransportError,
  WECHAT_BUSY_ERRCODE,
  WECHAT_CODE_USED_ERRCODE,
  WECHAT_INVALID_CREDENTIAL_ERRCODES,
  appCodeForLoginError,
  appCodeForPhoneError,
  isRetryableSingleUseFailure,
  isTransientWeChatFailure,
  transportErrorOf,
} from './errors';
import { sessionSignature } from './open-data';
import { inClientSpan } from '../tracing/client-span';
import { exchange, type HttpAnswer } from './http-exchange';

export interface WeChatClientOptions {
  baseUrl: string;
  appId: string;
  appSecret: string;
  logger: Logger;
  tokenStore: AccessTokenStore;
  /** Per attempt (default 5 s); an attempt also ends when its operation's budget does. */
  timeoutMs?: number;
  /**
   * All the time one operation may spend on WeChat, attempts and backoff included (default 6 s,
   * or timeoutMs when that is longer, so that one whole attempt always fits).
   */
  budgetMs?: number;
  /** Attempts after the first one, for failures worth another try (default 2). */
  retries?: number;
  retryInitialDelayMs?: number;
  /** Consecutive failed calls that open the breaker (default 5). */
  breakerThreshold?: number;
  /** How long the breaker stays open before letting a trial call through (default 10 s). */
  breakerHalfOpenAfterMs?: number;
  /** The clock of the access token's expiry (tests move it); budgets run on the real clock. */
  now?: () => number;
  /** Told of each exchange with WeChat, the breaker's moves and token fetches (default: nothing). */
  telemetry?: Telemetry;
}

const DEFAULT_WECHAT_TIMEOUT_MS = 5_000;
const DEFAULT_WECHAT_BUDGET_MS = 6_000;
const MAX_BACKOFF_MS = 2_000;
/** Less time than this left is not worth another attempt: WeChat rarely answers that fast. */
const MIN_ATTEMPT_MS = 100;

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

interface CallOptions {
  query?: Record<string, string>;
  body?: Json;
  /** performance.now() by which the whole operation must be over. */
  deadline: number;
  /** The request carries a single-use code: sent again only when WeChat provably did not use it. */
  singleUse?: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SubscribeMessage {
  openid: string;
  templateId: string;
  /** The page the message opens, with its query (e.g. `shop/pages/order/index?id=12`). */
  page: string;
  /** The template's keywords and their values (WeChat caps each type: thing ≤ 20 characters, …). */
  data: Record<string, string>;
  /** Which version of the mini-program the message opens. */
  state: 'developer' | 'trial' | 'formal';
}

export class WeChatClient {
  readonly appId: string;
  readonly #options: WeChatClientOptions;
  readonly #timeoutMs: number;
  readonly #budgetMs: number;
  readonly #retries: number;
  readonly #retryInitialDelayMs: number;
  readonly #breaker: ReturnType<typeof circuitBreaker>;
  readonly #tokens: AccessTokenProvider;
  readonly #telemetry: Telemetry;

  constructor(options: WeChatClientOptions) {
    this.appId = options.appId;
    this.#options = options;
    this.#telemetry = options.telemetry ?? noopTelemetry;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_WECHAT_TIMEOUT_MS;
    this.#budgetMs = options.budgetMs ?? Math.max(DEFAULT_WECHAT_BUDGET_MS, this.#timeoutMs);
    this.#retries = options.retries ?? 2;
    this.#retryInitialDelayMs = options.retryInitialDelayMs ?? 100;
    this.#breaker = circuitBreaker(handleWhen(isTransientWeChatFailure), {
      halfOpenAfter: options.breakerHalfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
    });
    this.#breaker.onStateChange((state) => {
      options.logger.warn({ breaker: CircuitState[state] }, 'WeChat API circuit breaker changed state');
      this.#telemetry.breakerTransition(this.breakerState);
    });
    this.#tokens = new AccessTokenProvider({
      store: options.tokenStore,
      now: options.now,
      fetchToken: (forceRefresh) => this.#fetchStableToken(forceRefresh),
    });
  }

  get breakerState(): BreakerState {
    return (['closed', 'open', 'half-open', 'isolated'] as const)[this.#breaker.state];
  }

  /** When an operation starting now must be over. */
  #deadline(): number {
    return performance.now() + this.#budgetMs;
  }

  /** One exchange with WeChat, through the breaker, with its attempts within the deadline. */
  async #call(endpoint: string, options: CallOptions): Promise<Json> {
    // Too little time left for an attempt (the wait for the access token spent it): not sent at
    // all, rather than a single-use code sent to time out, and not WeChat's failure to the breaker.
    if (options.deadline - performance.now() < MIN_ATTEMPT_MS) throw new WeChatTransportError(endpoint, 'unsent', 'budget spent');
    // cockatiel makes every call that arrives while half-open wait for the trial call and then
    // run: with WeChat still down, each would wait out the trial's timeout before its own. Only
    // the trial goes to WeChat; the others fail now, as they do while the breaker is open.
    if (this.#breaker.state === CircuitState.HalfOpen) throw new BrokenCircuitError('WeChat API circuit is half-open');
    return this.#breaker.execute(() => this.#attempts(endpoint, options));
  }

  async #attempts(endpoint: string, options: CallOptions): Promise<Json> {
    const url = new URL(endpoint, this.#options.baseUrl.endsWith('/') ? this.#options.baseUrl : `${this.#options.baseUrl}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const retryable = options.singleUse ? isRetryableSingleUseFailure : isTransientWeChatFailure;
    let previous: WeChatApiError | WeChatTransportError | null = null;
    for (let attempt = 1; ; attempt += 1) {
      const remaining = options.deadline - performance.now();
      // Spent (#call checked the first attempt's time; a timer firing late after a backoff can still
      // get here): the last failure stands, or, before any attempt, WeChat never saw the request.
      if (remaining <= 0) throw previous ?? new WeChatTransportError(endpoint, 'unsent', 'budget spent');
      try {
        return await this.#timedAttempt(endpoint, url, options.body, Math.min(this.#timeoutMs, remaining));
      } catch (error) {
        // WeChat said "busy" yet used the code up, and our own retry earned "code been used": the
        // user did nothing wrong, so the failure to report is the first one.
        if (
          options.singleUse &&
          previous instanceof WeChatApiError &&
          previous.errcode === WECHAT_BUSY_ERRCODE &&
          error instanceof WeChatApiError &&
          error.errcode === WECHAT_CODE_USED_ERRCODE
        ) {
          throw previous;
        }
        if (attempt > this.#retries || !retryable(error)) throw error;
        const delay = this.#backoffMs(attempt);
        if (performance.now() + delay + MIN_ATTEMPT_MS > options.deadline) throw error;
        const why = error instanceof WeChatTransportError ? { reason: error.reason, detail: error.detail } : { errcode: error.errcode };
        this.#options.logger.debug({ endpoint, attempt, ...why }, 'WeChat API call failed, retrying');
        previous = error;
        await sleep(delay);
      }
    }
  }

  /** One attempt, told to telemetry: its endpoint, WeChat's errcode (or why none came) and its time. */
  async #timedAttempt(endpoint: string, url: URL, body: Json | undefined, timeoutMs: number): Promise<Json> {
    const started = performance.now();
    try {
      const data = await this.#attempt(endpoint, url, body, timeoutMs);
      this.#telemetry.wechatCall(endpoint, 0, performance.now() - started);
      return data;
    } catch (error) {
      const result = error instanceof WeChatApiError ? error.errcode : error instanceof WeChatTransportError ? error.reason : 'network';
      this.#telemetry.wechatCall(endpoint, result, performance.now() - started);
      throw error;
    }
  }

  /** One HTTP exchange, in a client span that carries the trace to WeChat (tracing/client-span.ts). */
  #attempt(endpoint: string, url: URL, body: Json | undefined, timeoutMs: number): Promise<Json> {
    const method = body ? 'POST' : 'GET';
    return inClientSpan({ method, url, route: endpoint }, async (span, traceHeaders) => {
      let answer: HttpAnswer;
      try {
        answer = await exchange(url, {
          method,
          headers: body ? { ...traceHeaders, 'content-type': 'application/json' } : traceHeaders,
          body: body ? JSON.stringify(body) : undefined,
          timeoutMs: Math.max(1, Math.ceil(timeoutMs)),
        });
      } catch (error) {
        throw transportErrorOf(endpoint, error);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
      if (!answer.ok) throw new WeChatTransportError(endpoint, 'http', `HTTP ${answer.status}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        throw new WeChatTransportError(endpoint, 'http', 'not JSON');
      }
      if (typeof parsed !== 'object' || parsed === null) throw new WeChatTransportError(endpoint, 'http', 'not a JSON object');
      const data = parsed as Json;
      const errcode = typeof data.errcode === 'number' ? data.errcode : 0;
      if (errcode !== 0) {
        span.setAttribute('wechat.errcode', errcode);
        throw new WeChatApiError(endpoint, errcode, typeof data.errmsg === 'string' ? data.errmsg : '');
      }
      return data;
    });
  }

  /** Exponential, with jitter so that instances that failed together do not retry together. */
  #backoffMs(attempt: number): number {
    const base = Math.min(MAX_BACKOFF_MS, this.#retryInitialDelayMs * 2 ** (attempt - 1));
    return Math.round(base * (0.5 + Math.random() / 2));
  }

  /**
   * Maps transport and breaker failures to WECHAT_UNAVAILABLE, API errors through `codeFor`. A
   * timeout of the request that carried a single-use code is WECHAT_TIMEOUT: WeChat may have used
   * the code up, so the client must retry with a new one.
   */
  #fail(error: unknown, codeFor: (errcode: number) => ReturnType<typeof appCodeForLoginError>, singleUseEndpoint?: string): never {
    if (error instanceof AppError) throw error;
    if (error instanceof WeChatTransportError && error.reason === 'timeout' && error.endpoint === singleUseEndpoint) {
      this.#options.logger.warn(
        { endpoint: error.endpoint, reason: error.reason, detail: error.detail },
        'WeChat API did not answer in time',
      );
      throw new AppError('WECHAT_TIMEOUT', { cause: error });
    }
    if (error instanceof BrokenCircuitError || error instanceof WeChatTransportError || error instanceof AccessTokenUnavailableError) {
      const transport =
        error instanceof WeChatTransportError ? { endpoint: error.endpoint, reason: error.reason, detail: error.detail } : {};
      this.#options.logger.warn({ wechatError: error.name, ...transport }, 'WeChat API unavailable');
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
        deadline: this.#deadline(),
        singleUse: true,
      });
      if (typeof data.openid !== 'string' || typeof data.session_key !== 'string') {
        throw new WeChatTransportError('sns/jscode2session', 'http', 'no openid or session_key');
      }
      return { openid: data.openid, sessionKey: data.session_key, unionid: typeof data.unionid === 'string' ? data.unionid : null };
    } catch (error) {
      return this.#fail(error, appCodeForLoginError, 'sns/jscode2session');
    }
  }

  async #fetchStableToken(forceRefresh: boolean): Promise<{ token: string; expiresInSeconds: number }> {
    const data = await this.#call('cgi-bin/stable_token', {
      body: { grant_type: 'client_credential', appid: this.appId, secret: this.#options.appSecret, force_refresh: forceRefresh },
      // Its own budget: callers share this fetch, and each stops waiting for it at its own deadline.
      deadline: this.#deadline(),
    });
    if (typeof data.access_token !== 'string' || typeof data.expires_in !== 'number') {
      throw new WeChatTransportError('cgi-bin/stable_token', 'http', 'no access_token');
    }
    this.#telemetry.tokenRefresh(forceRefresh);
    return { token: data.access_token, expiresInSeconds: data.expires_in };
  }

  async getAccessToken(): Promise<string> {
    try {
      return await this.#accessToken(this.#deadline());
    } catch (error) {
      return this.#fail(error, appCodeForLoginError);
    }
  }

  /**
   * The access token, or a timeout at the deadline. A fetch under way is shared (single-flight)
   * and runs on its own budget; a caller whose deadline comes first stops waiting for it.
   */
  async #accessToken(deadline: number): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new WeChatTransportError('cgi-bin/stable_token', 'timeout', 'budget spent')),
        Math.max(0, deadline - performance.now()),
      );
    });
    try {
      return await Promise.race([this.#tokens.get(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls an endpoint that takes `?access_token=`; a rejected token is replaced once. */
  async #withAccessToken(
    endpoint: string,
    init: { query?: Record<string, string>; body?: Json; singleUse?: boolean },
    deadline: number,
  ): Promise<Json> {
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.#accessToken(deadline);
      try {
        return await this.#call(endpoint, { ...init, query: { ...init.query, access_token: token }, deadline });
      } catch (error) {
        // WeChat checks the token before it looks at a code, so a phone code survives this.
        if (attempt === 1 && error instanceof WeChatApiError && WECHAT_INVALID_CREDENTIAL_ERRCODES.has(error.errcode)) {
          await this.#tokens.invalidate(token);
          continue;
        }
        throw error;
      }
    }
  }

  /** The phone code from getPhoneNumber is single-use, like a login code. */
  async getPhoneNumber(code: string): Promise<PhoneInfo> {
    const endpoint = 'wxa/business/getuserphonenumber';
    try {
      const data = await this.#withAccessToken(endpoint, { body: { code }, singleUse: true }, this.#deadline());
      const info = data.phone_info as Partial<PhoneInfo> | undefined;
      if (!info || typeof info.purePhoneNumber !== 'string') throw new WeChatTransportError(endpoint, 'http', 'no phone_info');
      return { phoneNumber: String(info.phoneNumber), purePhoneNumber: info.purePhoneNumber, countryCode: String(info.countryCode) };
    } catch (error) {
      return this.#fail(error, appCodeForPhoneError, endpoint);
    }
  }

  /**
   * A subscribe message (订阅消息) to a user who accepted the template. WeChat's own errors are
   * thrown as they are (WeChatApiError with its errcode): the caller, a durable job, decides what
   * is worth a retry (43101: the user has no accepted subscription left, never).
   */
  async sendSubscribeMessage(message: SubscribeMessage): Promise<void> {
    await this.#withAccessToken(
      'cgi-bin/message/subscribe/send',
      {
        body: {
          touser: message.openid,
          template_id: message.templateId,
          page: message.page,
          miniprogram_state: message.state,
          lang: 'zh_CN',
          data: Object.fromEntries(Object.entries(message.data).map(([key, value]) => [key, { value }])),
        },
        // Not resent within the call: an answer lost after WeChat sent it would send it twice.
        singleUse: true,
      },
      this.#deadline(),
    );
  }

  /** Whether WeChat still considers this session_key valid for the user. */
  async checkSession(openid: string, sessionKey: string): Promise<boolean> {
    try {
      await this.#withAccessToken(
        'wxa/checksession',
        { query: { openid, signature: sessionSignature(sessionKey), sig_method: 'hmac_sha256' } },
        this.#deadline(),
      );
      return true;
    } catch (error) {
      if (error instanceof WeChatApiError && error.errcode === 87009) return false;
      return this.#fail(error, appCodeForLoginError);
    }
  }
}
