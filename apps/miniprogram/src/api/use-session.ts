import { useSyncExternalStore } from 'react';
import type { SessionState } from '../auth/session';
import { session } from './client';

/** The sign-in state of the app's session (client.ts), re-rendering on every change. */
export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.getState);
}
