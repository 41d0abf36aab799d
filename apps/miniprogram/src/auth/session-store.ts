/** The signed-in session as kept on the phone between launches. */
export interface StoredSession {
  userId: number;
  accessToken: string;
  /** Epoch milliseconds. */
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

export interface SessionStore {
  load(): StoredSession | null;
  save(session: StoredSession): void;
  clear(): void;
}

/** For tests and for platforms without storage: forgets everything on restart. */
export class MemorySessionStore implements SessionStore {
  #session: StoredSession | null = null;

  load(): StoredSession | null {
    return this.#session;
  }

  save(session: StoredSession): void {
    this.#session = session;
  }

  clear(): void {
    this.#session = null;
  }
}

/** Storage holds strings or JSON; anything that is not a whole session is treated as none. */
export function parseStoredSession(value: unknown): StoredSession | null {
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as Record<keyof StoredSession, unknown>;
  const ok =
    typeof candidate.userId === 'number' &&
    typeof candidate.accessToken === 'string' &&
    typeof candidate.refreshToken === 'string' &&
    typeof candidate.accessTokenExpiresAt === 'number' &&
    typeof candidate.refreshTokenExpiresAt === 'number';
  return ok ? (candidate as StoredSession) : null;
}
