/**
 * The sign-in, as a small state machine the UI subscribes to:
 *
 *   start ──(tokens kept from last time)──────────────────────────▶ signed-in
 *     └──▶ signing-in ──(wx.login code → auth.login)──▶ signed-in │ failed ──retry──▶ signing-in
 *   signed-in ──signOut──▶ signed-out ──signIn──▶ signing-in
 *
 * Every attempt, a retry included, starts from a new wx.login code: a code is single-use, and one
 * the server already sent to WeChat would only come back as WECHAT_CODE_USED. When WeChat did not
 * answer the server in time (WECHAT_TIMEOUT), the sign-in tries once more, out of sight.
 *
 * Refreshes and re-logins are single-flight: however many calls hit an expired token at once,
 * one refresh goes out (presenting a refresh token twice would revoke the session as stolen).
 */
import type { AppErrorCode, AuthTokens, LoginOutput } from '@app/shared';
import { appCodeOf, appErrorOf, clientError, type AppErrorInfo } from '../errors/app-error';
import type { SessionStore, StoredSession } from './session-store';
import type { AuthRecovery } from './sign-in-repair';

export interface AuthApi {
  login(code: string): Promise<LoginOutput>;
  refresh(refreshToken: string): Promise<AuthTokens>;
  logout(): Promise<unknown>;
}

export type SessionState =
  { status: 'signing-in' } | { status: 'signed-in'; userId: number } | { status: 'failed'; error: AppErrorInfo } | { status: 'signed-out' };

export interface SessionOptions {
  api: AuthApi;
  store: SessionStore;
  /** A fresh single-use login code (wx.login, or the WeChat mock on H5). */
  getLoginCode: () => Promise<string>;
  now?: () => number;
}

/** A token this close to its end counts as ended (clocks on phones drift). */
const EXPIRY_MARGIN_MS = 30_000;

/** Refresh failures that mean "this session is over", as opposed to "could not ask". */
const SESSION_OVER: ReadonlySet<AppErrorCode> = new Set<AppErrorCode>([
  'AUTH_REFRESH_INVALID',
  'AUTH_REFRESH_REUSED',
  'AUTH_SESSION_REVOKED',
  'AUTH_REQUIRED',
  'VALIDATION_FAILED',
]);

/**
 * Sign-in failures worth one more attempt before the user hears of them: WeChat did not answer the
 * code exchange in time, often a passing hiccup. Only with a new code (WeChat may have used up the
 * last one), and only once: a WeChat that stays slow is the user's to retry.
 */
const RETRY_WITH_NEW_CODE: ReadonlySet<AppErrorCode> = new Set<AppErrorCode>(['WECHAT_TIMEOUT']);

/** Sign-in failures no retry can mend where the app runs: a web build without WeChat. */
const NO_SIGN_IN_HERE: ReadonlySet<AppErrorCode> = new Set<AppErrorCode>(['H5_SIGN_IN_UNSUPPORTED']);

/** Whether the user's retry of a failed sign-in could succeed, i.e. whether to offer one. */
export function signInRetryCanHelp(code: AppErrorCode): boolean {
  return !NO_SIGN_IN_HERE.has(code);
}

export class SessionManager implements AuthRecovery {
  readonly #api: AuthApi;
  readonly #store: SessionStore;
  readonly #getLoginCode: () => Promise<string>;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();
  #current: StoredSession | null;
  #state: SessionState;
  #generation = 0;
  #signingIn: Promise<void> | null = null;
  #recovering: Promise<void> | null = null;
  /** From the user's 退出登录 until the session is forgotten: no repair starts. */
  #signingOut = false;

  constructor(options: SessionOptions) {
    this.#api = options.api;
    this.#store = options.store;
    this.#getLoginCode = options.getLoginCode;
    this.#now = options.now ?? Date.now;
    this.#current = this.#store.load();
    this.#state = this.#current ? { status: 'signed-in', userId: this.#current.userId } : { status: 'signing-in' };
  }

  get state(): SessionState {
    return this.#state;
  }

  get generation(): number {
    return this.#generation;
  }

  get accessToken(): string | null {
    return this.#current?.accessToken ?? null;
  }

  get userId(): number | null {
    return this.#current?.userId ?? null;
  }

  /** For React's useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getState = (): SessionState => this.#state;

  /** At launch: keep last time's session if it can still be refreshed, else sign in silently. */
  async start(): Promise<void> {
    if (this.#current && this.#current.refreshTokenExpiresAt - EXPIRY_MARGIN_MS > this.#now()) {
      this.#setState({ status: 'signed-in', userId: this.#current.userId });
      return;
    }
    await this.signIn().catch(() => undefined); // the state carries the error for the UI
  }

  /** Signs in with a fresh WeChat login code; concurrent callers share one attempt. */
  signIn(): Promise<void> {
    this.#signingIn ??= this.#signIn().finally(() => (this.#signingIn = null));
    return this.#signingIn;
  }

  async #signIn(): Promise<void> {
    // A re-login behind a signed-in screen stays out of sight; only a visible sign-in shows progress.
    if (this.#state.status !== 'signed-in') this.#setState({ status: 'signing-in' });
    try {
      const result = await this.#loginWithNewCode().catch((error: unknown) => {
        if (!RETRY_WITH_NEW_CODE.has(appCodeOf(error))) throw error;
        return this.#loginWithNewCode();
      });
      this.#save(result.user.id, result);
    } catch (error) {
      this.#setState({ status: 'failed', error: appErrorOf(error) });
      throw error;
    }
  }

  async #loginWithNewCode(): Promise<LoginOutput> {
    const code = await this.#getLoginCode();
    return this.#api.login(code);
  }

  recover(code: AppErrorCode): Promise<void> {
    if (this.#state.status === 'signed-out' || this.#signingOut) return Promise.reject(clientError('AUTH_REQUIRED', null));
    this.#recovering ??= this.#recover(code).finally(() => (this.#recovering = null));
    return this.#recovering;
  }

  async #recover(code: AppErrorCode): Promise<void> {
    const current = this.#current;
    if (code === 'AUTH_TOKEN_EXPIRED' && current && current.refreshTokenExpiresAt - EXPIRY_MARGIN_MS > this.#now()) {
      try {
        await this.#refresh(current);
        return;
      } catch (error) {
        // Could not reach the server: a login would not get through either.
        if (!SESSION_OVER.has(appCodeOf(error))) throw error;
      }
    }
    await this.signIn();
  }

  async #refresh(current: StoredSession): Promise<void> {
    const tokens = await this.#api.refresh(current.refreshToken);
    this.#save(current.userId, tokens);
  }

  /**
   * Ends the session on the server (best effort) and forgets it here. No silent sign-in follows:
   * from now on no repair starts (calls that hit a 401 fail with AUTH_REQUIRED), and one already
   * under way (a refresh, a re-login) is let finish first, so that its tokens are the ones ended,
   * never saved after the sign-out, and the refresh token it replaced is not presented again (the
   * server would take that for a stolen token).
   */
  async signOut(): Promise<void> {
    this.#signingOut = true;
    try {
      await Promise.allSettled([this.#recovering, this.#signingIn]);
      const current = this.#current;
      if (current) {
        try {
          if (current.accessTokenExpiresAt - EXPIRY_MARGIN_MS <= this.#now()) await this.#refresh(current);
          await this.#api.logout();
        } catch {
          // Offline or already over: the refresh token dies with this phone's copy either way.
        }
      }
      this.#current = null;
      this.#store.clear();
      this.#generation += 1;
      this.#setState({ status: 'signed-out' });
    } finally {
      this.#signingOut = false;
    }
  }

  #save(userId: number, tokens: AuthTokens): void {
    this.#current = {
      userId,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt.getTime(),
      refreshToken: tokens.refreshToken,
      refreshTokenExpiresAt: tokens.refreshTokenExpiresAt.getTime(),
    };
    this.#store.save(this.#current);
    this.#generation += 1;
    this.#setState({ status: 'signed-in', userId });
  }

  #setState(state: SessionState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener();
  }
}
