/** The session kept in Taro storage, so the next launch starts signed in. */
import { readStorage, removeStorage, writeStorage } from '../platform/storage';
import { parseStoredSession, type SessionStore, type StoredSession } from './session-store';

const SESSION_KEY = 'auth.session';

export const taroSessionStore: SessionStore = {
  load: () => parseStoredSession(readStorage(SESSION_KEY)),
  save: (session: StoredSession) => writeStorage(SESSION_KEY, session),
  clear: () => removeStorage(SESSION_KEY),
};
