/**
 * The state of the simulated WeChat platform: login codes (single-use, 5 minutes), users,
 * session keys, access tokens, phone codes, and the faults a test asks for.
 * Behaviour follows the official server API documentation, error codes included.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { WeChatPayMock, type PayMockOptions } from './pay';

export const WECHAT_ERRORS = {
  SYSTEM_BUSY: { errcode: -1, errmsg: 'system error' },
  INVALID_CREDENTIAL: { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' },
  INVALID_APPID: { errcode: 40013, errmsg: 'invalid appid' },
  INVALID_CODE: { errcode: 40029, errmsg: 'invalid code' },
  INVALID_APPSECRET: { errcode: 40125, errmsg: 'invalid appsecret' },
  CODE_USED: { errcode: 40163, errmsg: 'code been used' },
  USER_BLOCKED: { errcode: 40226, errmsg: 'high risk user' },
  FREQUENCY_LIMIT: { errcode: 45011, errmsg: 'api minute-quota reach limit  mustslower  retry next minute' },
  INVALID_SIGNATURE: { errcode: 87009, errmsg: 'invalid signature' },
  INVALID_OPENID: { errcode: 40003, errmsg: 'invalid openid' },
  INVALID_TEMPLATE_ID: { errcode: 40037, errmsg: 'invalid template_id' },
  USER_REFUSED_MESSAGE: { errcode: 43101, errmsg: 'user refuse to accept the msg' },
  ARGUMENT_INVALID: { errcode: 47003, errmsg: 'argument invalid! data.thing4.value invalid' },
} as const;

export interface WeChatError {
  errcode: number;
  errmsg: string;
}

export interface MockOptions {
  appId: string;
  appSecret: string;
  /** Milliseconds since the epoch; tests move it to expire codes and tokens. */
  now?: () => number;
  /** Whether jscode2session returns a unionid (the app is bound to an open platform account). */
  withUnionid?: boolean;
  codeTtlMs?: number;
  /** jscode2session calls allowed per user per minute before 45011. */
  loginsPerUserPerMinute?: number;
  accessTokenTtlSeconds?: number;
  /**
   * Load tests only: codes `${prefix}<user>:<anything>` count as freshly issued (still single-use),
   * so a load tool can log in without asking for each code first.
   */
  benchCodePrefix?: string;
  /** WeChat Pay (pay.ts): its merchant, keys and notification schedule; dev defaults when unset. */
  pay?: PayMockOptions;
}

export interface Faults {
  /** Added before every API answer. */
  latencyMs: number;
  /** Answer API calls with this error instead of doing the work. */
  errcode: number | null;
  /** How many calls get `errcode` before it clears itself; null = until cleared. */
  errcodeTimes: number | null;
  /** Drop API connections without an answer, as an outage does. */
  down: boolean;
}

export interface Stats {
  /** Every API request that reached the mock, faults included. */
  requests: number;
  jscode2session: number;
  stableToken: number;
  getPhoneNumber: number;
  checkSession: number;
  subscribeMessages: number;
}

/** An API or WeChat Pay request as it arrived, for checks of what callers send along (trace context). */
export interface ReceivedRequest {
  method: string;
  /** Without the query: it carries the app secret, codes and tokens. */
  path: string;
  /** The W3C trace context header, if the caller propagated one. */
  traceparent: string | null;
}

/** How many received requests the mock keeps (the newest). */
const RECEIVED_KEPT = 100;

interface LoginCode {
  user: string;
  issuedAt: number;
  used: boolean;
}

const noStats = (): Stats => ({ requests: 0, jscode2session: 0, stableToken: 0, getPhoneNumber: 0, checkSession: 0, subscribeMessages: 0 });

/**
 * What `wxa/checksession` expects as `signature`: HMAC-SHA256 of an empty string keyed with the
 * session_key (WeChat's documentation). Written here from the documentation, not imported from
 * the client under test, so a mistake there cannot hide itself.
 */
export function sessionSignatureOf(sessionKey: string): string {
  return createHmac('sha256', sessionKey).update('').digest('hex');
}

const NO_FAULTS: Faults = { latencyMs: 0, errcode: null, errcodeTimes: null, down: false };

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

export class WeChatMockWorld {
  readonly appId: string;
  readonly appSecret: string;
  readonly #now: () => number;
  readonly #withUnionid: boolean;
  readonly #codeTtlMs: number;
  readonly #loginsPerMinute: number;
  readonly #tokenTtlSeconds: number;
  readonly #benchCodePrefix: string | null;

  #codes = new Map<string, LoginCode>();
  #phoneCodes = new Map<string, { phone: string; used: boolean }>();
  #blocked = new Set<string>();
  #loginTimes = new Map<string, number[]>();
  #sessionKeys = new Map<string, string>();
  /** Tokens in force: a refreshed token does not end the previous one early (except force_refresh). */
  #accessTokens: Array<{ token: string; expiresAt: number }> = [];
  #subscriptions = new Map<string, number>();
  faults: Faults = { ...NO_FAULTS };
  stats: Stats = noStats();
  /** WeChat Pay API v3 (api.mch.weixin.qq.com), served on the same port. */
  readonly pay: WeChatPayMock;

  constructor(options: MockOptions) {
    this.appId = options.appId;
    this.appSecret = options.appSecret;
    this.#now = options.now ?? Date.now;
    this.#withUnionid = options.withUnionid ?? true;
    this.#codeTtlMs = options.codeTtlMs ?? 5 * 60_000;
    this.#loginsPerMinute = options.loginsPerUserPerMinute ?? 100;
    this.#tokenTtlSeconds = options.accessTokenTtlSeconds ?? 7200;
    this.#benchCodePrefix = options.benchCodePrefix ?? null;
    this.pay = new WeChatPayMock(options.appId, options.pay, this.#now);
  }

  /** What `wx.login` would give the named test user on this device: a fresh 32-character code. */
  issueLoginCode(user: string): string {
    const code = randomBytes(16).toString('hex');
    this.#codes.set(code, { user, issuedAt: this.#now(), used: false });
    return code;
  }

  /** What `getPhoneNumber` would give for this number: a single-use code for getuserphonenumber. */
  issuePhoneCode(phone: string): string {
    const code = randomBytes(16).toString('hex');
    this.#phoneCodes.set(code, { phone, used: false });
    return code;
  }

  openidOf(user: string): string {
    return `o${digest(this.appId, 'openid', user).slice(0, 27)}`;
  }

  unionidOf(user: string): string {
    return `u${digest('unionid', user).slice(0, 27)}`;
  }

  /** The session_key WeChat last issued to this user (tests check what the server stored). */
  sessionKeyOf(openid: string): string | undefined {
    return this.#sessionKeys.get(openid);
  }

  setBlocked(user: string, blocked: boolean): void {
    if (blocked) this.#blocked.add(user);
    else this.#blocked.delete(user);
  }

  setFaults(faults: Partial<Faults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  clearFaults(): void {
    this.faults = { ...NO_FAULTS };
  }

  /** The newest API and WeChat Pay requests, oldest first (tests check the trace context they carried). */
  readonly received: ReceivedRequest[] = [];

  recordRequest(request: ReceivedRequest): void {
    this.received.push(request);
    if (this.received.length > RECEIVED_KEPT) this.received.shift();
  }

  reset(): void {
    this.clearFaults();
    this.received.length = 0;
    this.#codes.clear();
    this.#phoneCodes.clear();
    this.#blocked.clear();
    this.#loginTimes.clear();
    this.#sessionKeys.clear();
    this.#accessTokens = [];
    this.#subscriptions.clear();
    this.subscribeMessages.length = 0;
    this.stats = noStats();
    this.pay.reset();
  }

  /** The injected error for this call, if any (consumes one of `errcodeTimes`). */
  takeInjectedError(): WeChatError | null {
    const { errcode, errcodeTimes } = this.faults;
    if (errcode === null) return null;
    if (errcodeTimes !== null) {
      if (errcodeTimes <= 1) this.faults = { ...this.faults, errcode: null, errcodeTimes: null };
      else this.faults = { ...this.faults, errcodeTimes: errcodeTimes - 1 };
    }
    const known = Object.values(WECHAT_ERRORS).find((e) => e.errcode === errcode);
    return known ?? { errcode, errmsg: 'injected error' };
  }

  #checkApp(appid: unknown, secret: unknown): WeChatError | null {
    if (appid !== this.appId) return WECHAT_ERRORS.INVALID_APPID;
    if (secret !== this.appSecret) return WECHAT_ERRORS.INVALID_APPSECRET;
    return null;
  }

  #lookUpCode(code: string): LoginCode | undefined {
    const known = this.#codes.get(code);
    if (known || this.#benchCodePrefix === null || !code.startsWith(this.#benchCodePrefix)) return known;
    const user = code.slice(this.#benchCodePrefix.length).split(':', 1)[0];
    if (!user) return undefined;
    const issued = { user, issuedAt: this.#now(), used: false };
    this.#codes.set(code, issued);
    return issued;
  }

  jscode2session(query: { appid?: unknown; secret?: unknown; js_code?: unknown; grant_type?: unknown }) {
    this.stats.jscode2session += 1;
    const appError = this.#checkApp(query.appid, query.secret);
    if (appError) return appError;
    if (query.grant_type !== 'authorization_code' || typeof query.js_code !== 'string') return WECHAT_ERRORS.INVALID_CODE;

    const code = this.#lookUpCode(query.js_code);
    if (!code || this.#now() - code.issuedAt > this.#codeTtlMs) return WECHAT_ERRORS.INVALID_CODE;
    if (code.used) return WECHAT_ERRORS.CODE_USED;
    code.used = true;
    if (this.#blocked.has(code.user)) return WECHAT_ERRORS.USER_BLOCKED;

    const now = this.#now();
    const recent = (this.#loginTimes.get(code.user) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= this.#loginsPerMinute) return WECHAT_ERRORS.FREQUENCY_LIMIT;
    recent.push(now);
    this.#loginTimes.set(code.user, recent);

    const openid = this.openidOf(code.user);
    const sessionKey = randomBytes(16).toString('base64');
    this.#sessionKeys.set(openid, sessionKey);
    return {
      openid,
      session_key: sessionKey,
      ...(this.#withUnionid ? { unionid: this.unionidOf(code.user) } : {}),
    };
  }

  stableToken(body: { grant_type?: unknown; appid?: unknown; secret?: unknown; force_refresh?: unknown }) {
    this.stats.stableToken += 1;
    const appError = this.#checkApp(body.appid, body.secret);
    if (appError) return appError;
    if (body.grant_type !== 'client_credential') return { errcode: 40002, errmsg: 'invalid grant_type' };
    const now = this.#now();
    this.#accessTokens = this.#accessTokens.filter((t) => t.expiresAt > now);
    let current = this.#accessTokens.at(-1);
    // Normal mode: the token in force, renewed in its last 5 minutes (the old one stays valid until
    // it expires). force_refresh: a new token at once, and the previous ones stop working.
    if (body.force_refresh === true || !current || current.expiresAt - now <= 5 * 60_000) {
      current = { token: randomBytes(48).toString('base64url'), expiresAt: now + this.#tokenTtlSeconds * 1000 };
      this.#accessTokens = body.force_refresh === true ? [current] : [...this.#accessTokens, current];
    }
    return { access_token: current.token, expires_in: Math.round((current.expiresAt - now) / 1000) };
  }

  #checkAccessToken(token: unknown): WeChatError | null {
    const valid = this.#accessTokens.some((t) => t.token === token && t.expiresAt > this.#now());
    return valid ? null : WECHAT_ERRORS.INVALID_CREDENTIAL;
  }

  /**
   * A user accepting a template (wx.requestSubscribeMessage): one-time subscriptions, so each
   * acceptance allows one message.
   */
  acceptSubscription(user: string, templateId: string): void {
    const key = `${this.openidOf(user)}|${templateId}`;
    this.#subscriptions.set(key, (this.#subscriptions.get(key) ?? 0) + 1);
  }

  /** Messages sent, for tests and the dev endpoint. */
  readonly subscribeMessages: Array<{ touser: string; templateId: string; page: unknown; data: unknown }> = [];

  sendSubscribeMessage(accessToken: unknown, body: { touser?: unknown; template_id?: unknown; page?: unknown; data?: unknown }) {
    this.stats.subscribeMessages += 1;
    const tokenError = this.#checkAccessToken(accessToken);
    if (tokenError) return tokenError;
    if (typeof body.touser !== 'string' || !this.#sessionKeys.has(body.touser)) return WECHAT_ERRORS.INVALID_OPENID;
    if (typeof body.template_id !== 'string' || body.template_id.length === 0) return WECHAT_ERRORS.INVALID_TEMPLATE_ID;
    const data = body.data as Record<string, { value?: unknown }> | undefined;
    if (!data || typeof data !== 'object' || Object.values(data).some((entry) => typeof entry?.value !== 'string')) {
      return WECHAT_ERRORS.ARGUMENT_INVALID;
    }
    const key = `${body.touser}|${body.template_id}`;
    const credits = this.#subscriptions.get(key) ?? 0;
    if (credits === 0) return WECHAT_ERRORS.USER_REFUSED_MESSAGE;
    this.#subscriptions.set(key, credits - 1);
    this.subscribeMessages.push({ touser: body.touser, templateId: body.template_id, page: body.page, data: body.data });
    return { errcode: 0, errmsg: 'ok', msgid: this.subscribeMessages.length };
  }

  getUserPhoneNumber(accessToken: unknown, body: { code?: unknown }) {
    this.stats.getPhoneNumber += 1;
    const tokenError = this.#checkAccessToken(accessToken);
    if (tokenError) return tokenError;
    const entry = typeof body.code === 'string' ? this.#phoneCodes.get(body.code) : undefined;
    if (!entry || entry.used) return WECHAT_ERRORS.INVALID_CODE;
    entry.used = true;
    return {
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: `+86${entry.phone}`,
        purePhoneNumber: entry.phone,
        countryCode: '86',
        watermark: { timestamp: Math.floor(this.#now() / 1000), appid: this.appId },
      },
    };
  }

  checkSession(query: { access_token?: unknown; openid?: unknown; signature?: unknown; sig_method?: unknown }) {
    this.stats.checkSession += 1;
    const tokenError = this.#checkAccessToken(query.access_token);
    if (tokenError) return tokenError;
    const sessionKey = typeof query.openid === 'string' ? this.#sessionKeys.get(query.openid) : undefined;
    if (!sessionKey || query.sig_method !== 'hmac_sha256') return WECHAT_ERRORS.INVALID_SIGNATURE;
    const expected = sessionSignatureOf(sessionKey);
    return query.signature === expected ? { errcode: 0, errmsg: 'ok' } : WECHAT_ERRORS.INVALID_SIGNATURE;
  }
}
