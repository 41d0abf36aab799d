/**
 * Calls that fail because the sign-in ran out are repaired and replayed, once, out of sight:
 * AUTH_TOKEN_EXPIRED → one refresh shared by every caller that hit it (failing that, a silent
 * re-login); a dead session or a bad token → a silent re-login. Only when that fails too does the
 * caller get an error, the recovery's own (say, "WeChat is unreachable").
 * Replaying is safe for mutations as well: a call refused at the auth check never ran.
 */
import type { AppErrorCode } from '@app/shared';
import type { Operation, TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { appCodeOf } from './app-error';

/** Codes that a fresh sign-in cures. */
export const RECOVERABLE_AUTH_CODES: ReadonlySet<AppErrorCode> = new Set<AppErrorCode>([
  'AUTH_TOKEN_EXPIRED',
  'AUTH_REQUIRED',
  'AUTH_SESSION_REVOKED',
  'AUTH_TOKEN_MALFORMED',
  'AUTH_TOKEN_SIGNATURE_INVALID',
  'AUTH_TOKEN_ALGORITHM_INVALID',
  'AUTH_TOKEN_CLAIMS_INVALID',
]);

export interface AuthRecovery {
  /** Changes whenever the tokens do: a call that failed with older tokens is simply replayed. */
  readonly generation: number;
  /** Repairs the sign-in for a failure with this code; one attempt shared by concurrent callers. */
  recover(code: AppErrorCode): Promise<void>;
}

export function authRecoveryLink<TRouter extends AnyRouter>(
  session: AuthRecovery,
  options: { skip: (op: Operation) => boolean },
): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let current: Unsubscribable | null = null;
        let disposed = false;

        const attempt = (replay: boolean) => {
          const generation = session.generation;
          current = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              const code = appCodeOf(error);
              if (replay || options.skip(op) || !RECOVERABLE_AUTH_CODES.has(code)) {
                observer.error(error);
                return;
              }
              // Someone else renewed the tokens while this call was out: just try again.
              const repaired = session.generation !== generation ? Promise.resolve() : session.recover(code);
              repaired.then(
                () => {
                  if (!disposed) attempt(true);
                },
                (recoveryError: unknown) => observer.error(recoveryError as typeof error),
              );
            },
          });
        };

        attempt(false);
        return () => {
          disposed = true;
          current?.unsubscribe();
        };
      });
}
