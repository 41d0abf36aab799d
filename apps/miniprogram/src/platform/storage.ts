/** Taro storage with failures swallowed: a full or broken storage must not stop the app. */
import Taro from '@tarojs/taro';
import { parseStoredSession, type SessionStore, type StoredSession } from '../auth/session-store';

export function readStorage(key: string): unknown {
  try {
    const value: unknown = Taro.getStorageSync(key);
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

export function writeStorage(key: string, value: unknown): void {
  try {
    Taro.setStorageSync(key, value);
  } catch {
    // Storage full or unavailable: the value lives only until the app is closed.
  }
}

export function removeStorage(key: string): void {
  try {
    Taro.removeStorageSync(key);
  } catch {
    // Nothing to do.
  }
}

const SESSION_KEY = 'auth.session';

export const taroSessionStore: SessionStore = {
  load: () => parseStoredSession(readStorage(SESSION_KEY)),
  save: (session: StoredSession) => writeStorage(SESSION_KEY, session),
  clear: () => removeStorage(SESSION_KEY),
};
