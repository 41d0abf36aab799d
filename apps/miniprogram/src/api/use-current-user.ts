import type { User } from '@app/shared';
import { useSyncExternalStore } from 'react';
import { currentUser } from './client';

/** The signed-in user from the app's one profile store (client.ts), re-rendering on every change. */
export function useCurrentUser(): User | null {
  return useSyncExternalStore(currentUser.subscribe, currentUser.getUser);
}
