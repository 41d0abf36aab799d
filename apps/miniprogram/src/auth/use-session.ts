import { useSyncExternalStore } from 'react';
import { session } from '../api/client';
import type { SessionState } from './session';

/** The sign-in state, re-rendering on every change. */
export function useSession(): SessionState {
  return useSyncExternalStore(session.subscribe, session.getState);
}
