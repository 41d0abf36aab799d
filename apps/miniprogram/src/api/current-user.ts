/**
 * The signed-in user's profile, one copy for the whole app. `user.me` fills it, and every change
 * to the profile (nickname, avatar, phone) goes through it and leaves the user the server answered
 * with, so every page that reads it (useCurrentUser) shows the latest, whenever it mounted or was
 * last shown. A small external store for React's useSyncExternalStore, like the session.
 *
 * It holds the session's own account only: it empties when the session ends or passes to another
 * account, and keeps no answer about another account. A `user.me` answer that was asked for before
 * a change was saved may predate the change, so it is dropped.
 */
import type { BindPhoneInput, UpdateProfileInput, User } from '@app/shared';
import type { SessionState } from '../auth/session';

/** The procedures that read or change the profile; each change answers with the whole user. */
export interface ProfileApi {
  me(signal: AbortSignal): Promise<User>;
  updateProfile(input: UpdateProfileInput): Promise<User>;
  bindPhone(input: BindPhoneInput): Promise<User>;
}

/** What the store needs of the session (SessionManager): who is signed in, and when that changes. */
export interface SignedInAccount {
  subscribe(listener: () => void): () => void;
  getState(): SessionState;
}

export class CurrentUserStore {
  readonly #api: ProfileApi;
  readonly #session: SignedInAccount;
  readonly #listeners = new Set<() => void>();
  #user: User | null = null;
  /** How many changes have been saved: a load that began at a lower count may be older than the user held. */
  #changesSaved = 0;

  constructor(api: ProfileApi, session: SignedInAccount) {
    this.#api = api;
    this.#session = session;
    // The store lives as long as the app: it never unsubscribes.
    session.subscribe(() => {
      if (this.#user && !this.#isSignedInAs(this.#user)) this.#set(null);
    });
  }

  /** For React's useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The signed-in user, or null until it has been loaded (and after the session ends). */
  getUser = (): User | null => this.#user;

  /**
   * Asks the server for the user (user.me) and keeps the answer. The call goes out before this
   * returns, so it joins the batch of the caller's other calls of this tick. A failure rejects and
   * leaves the store as it was: the caller shows it.
   */
  async load(signal: AbortSignal): Promise<void> {
    const changesBefore = this.#changesSaved;
    const user = await this.#api.me(signal);
    if (this.#changesSaved === changesBefore) this.#keep(user);
  }

  /** Saves a nickname or avatar; the store takes the user the server answered with. */
  async updateProfile(input: UpdateProfileInput): Promise<User> {
    return this.#saved(await this.#api.updateProfile(input));
  }

  /** Binds the phone number of a getPhoneNumber code; the store takes the user the server answered with. */
  async bindPhone(input: BindPhoneInput): Promise<User> {
    return this.#saved(await this.#api.bindPhone(input));
  }

  #saved(user: User): User {
    this.#changesSaved += 1;
    this.#keep(user);
    return user;
  }

  #keep(user: User): void {
    if (this.#isSignedInAs(user)) this.#set(user);
  }

  #isSignedInAs(user: User): boolean {
    const state = this.#session.getState();
    return state.status === 'signed-in' && state.userId === user.id;
  }

  #set(user: User | null): void {
    this.#user = user;
    for (const listener of this.#listeners) listener();
  }
}
