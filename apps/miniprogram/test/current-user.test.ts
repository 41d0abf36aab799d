/**
 * The app's one copy of the signed-in user (src/api/current-user.ts): filled by user.me, replaced
 * by what each profile change answers, emptied when the session ends or changes hands, and never
 * set back by an answer older than a change.
 */
import type { LoginOutput, UpdateProfileInput, User } from '@app/shared';
import { describe, expect, it, vi } from 'vitest';
import { CurrentUserStore, type ProfileApi } from '../src/api/current-user';
import { SessionManager } from '../src/auth/session';
import { MemorySessionStore } from '../src/auth/session-store';

const HOUR = 3_600_000;

function userOf(id: number, changes: Partial<User> = {}): User {
  const at = new Date('2026-11-30T08:00:00Z');
  return { id, nickname: null, avatarUrl: null, phoneMasked: null, createdAt: at, updatedAt: at, ...changes };
}

function loginAs(id: number): LoginOutput {
  const now = Date.now();
  return {
    user: userOf(id),
    isNewUser: false,
    accessToken: `access-${id}`,
    accessTokenExpiresAt: new Date(now + HOUR),
    refreshToken: `refresh-${id}`,
    refreshTokenExpiresAt: new Date(now + 24 * HOUR),
  };
}

/** A call the test answers when it wants to, to put answers in any order. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => ((resolve = yes), (reject = no)));
  return { promise, resolve, reject };
}

/** A session signed in as `accounts[0]`, signing in as the next account on each later sign-in. */
async function signedIn(...accounts: number[]) {
  const queue = [...accounts];
  const session = new SessionManager({
    api: {
      login: () => Promise.resolve(loginAs(queue.shift() ?? accounts.at(-1)!)),
      refresh: () => Promise.resolve(loginAs(accounts[0]!)),
      logout: () => Promise.resolve(),
    },
    store: new MemorySessionStore(),
    getLoginCode: () => Promise.resolve('code'),
  });
  await session.start();
  return session;
}

function storeWith(session: SessionManager) {
  const me: Array<ReturnType<typeof deferred<User>>> = [];
  const api: ProfileApi = {
    me: vi.fn(() => {
      const call = deferred<User>();
      me.push(call);
      return call.promise;
    }),
    updateProfile: vi.fn((input: UpdateProfileInput) =>
      Promise.resolve(userOf(7, { nickname: input.nickname ?? null, avatarUrl: input.avatarUrl ?? null })),
    ),
    bindPhone: vi.fn(() => Promise.resolve(userOf(7, { phoneMasked: '138****8000' }))),
  };
  const store = new CurrentUserStore(api, session);
  const changes = vi.fn();
  store.subscribe(changes);
  return { store, api, me, changes };
}

const signal = () => new AbortController().signal;

describe('the current user', () => {
  it('is loaded by user.me, and replaced by what each profile change answers', async () => {
    const { store, api, me, changes } = storeWith(await signedIn(7));
    expect(store.getUser()).toBeNull();

    const loading = store.load(signal());
    // Asked at once, so that the call joins the batch of its caller's other calls.
    expect(api.me).toHaveBeenCalledTimes(1);
    me[0]!.resolve(userOf(7, { nickname: '旧昵称' }));
    await loading;
    expect(store.getUser()?.nickname).toBe('旧昵称');

    const saved = await store.updateProfile({ nickname: '新昵称' });
    expect(saved.nickname).toBe('新昵称');
    expect(store.getUser()).toBe(saved);
    await store.updateProfile({ avatarUrl: '/uploads/a.png' });
    expect(store.getUser()?.avatarUrl).toBe('/uploads/a.png');
    await store.bindPhone({ code: 'phone-code' });
    expect(store.getUser()?.phoneMasked).toBe('138****8000');
    expect(changes).toHaveBeenCalledTimes(4);
  });

  it('keeps a change over a user.me answer that was asked for before the change was saved', async () => {
    const { store, me } = storeWith(await signedIn(7));
    const loading = store.load(signal());
    await store.updateProfile({ nickname: '新昵称' });
    me[0]!.resolve(userOf(7, { nickname: '旧昵称' }));
    await loading;
    expect(store.getUser()?.nickname).toBe('新昵称');

    // Asked for after the change: kept.
    const next = store.load(signal());
    me[1]!.resolve(userOf(7, { nickname: '别处改的昵称' }));
    await next;
    expect(store.getUser()?.nickname).toBe('别处改的昵称');
  });

  it('keeps what it has when a load fails', async () => {
    const { store, me } = storeWith(await signedIn(7));
    const first = store.load(signal());
    me[0]!.resolve(userOf(7, { nickname: '小明' }));
    await first;

    const failing = store.load(signal());
    me[1]!.reject(new Error('offline'));
    await expect(failing).rejects.toThrow('offline');
    expect(store.getUser()?.nickname).toBe('小明');
  });

  it('survives a token refresh, and empties when the session ends', async () => {
    const session = await signedIn(7);
    const { store, me } = storeWith(session);
    const loading = store.load(signal());
    me[0]!.resolve(userOf(7));
    await loading;

    await session.recover('AUTH_TOKEN_EXPIRED');
    expect(store.getUser()?.id).toBe(7);

    await session.signOut();
    expect(store.getUser()).toBeNull();
  });

  it('holds only the signed-in account: an answer about another one is dropped', async () => {
    const session = await signedIn(7, 8);
    const { store, me } = storeWith(session);
    const first = store.load(signal());
    me[0]!.resolve(userOf(7));
    await first;

    // Signed out and in as another WeChat user while user.me was on its way.
    const late = store.load(signal());
    await session.signOut();
    await session.signIn();
    me[1]!.resolve(userOf(7, { nickname: '上一位用户' }));
    await late;
    expect(store.getUser()).toBeNull();

    const own = store.load(signal());
    me[2]!.resolve(userOf(8));
    await own;
    expect(store.getUser()?.id).toBe(8);
  });
});
