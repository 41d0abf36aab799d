/**
 * The tRPC link that repairs the sign-in under failed calls and replays them, once, out of sight:
 * AUTH_TOKEN_EXPIRED → one refresh shared by every caller that hit it (failing that, a silent
 * re-login); a dead session or a bad token → a silent re-login. The policy is
 * auth/sign-in-repair.ts's, shared with uploads; this link only adapts it to tRPC's observables.
 */
import type { Operation, TRPCClientError, TRPCLink } from '@trpc/client';
import type { AnyRouter } from '@trpc/server';
import { observable } from '@trpc/server/observable';
import { withSignInRepair, type AuthRecovery } from '../auth/sign-in-repair';

export function authRecoveryLink<TRouter extends AnyRouter>(
  session: AuthRecovery,
  /** Calls that must not trigger a repair (the sign-in's own: no refresh of the refresh). */
  options: { skip: (op: Operation) => boolean },
): TRPCLink<TRouter> {
  return () =>
    ({ op, next }) => {
      if (options.skip(op)) return next(op);
      return observable((observer) =>
        withSignInRepair(
          session,
          (failed) => {
            const subscription = next(op).subscribe({
              next: (value) => observer.next(value),
              complete: () => observer.complete(),
              error: failed,
            });
            return () => subscription.unsubscribe();
          },
          // The transport's errors and the sign-in's are all TRPCClientErrors (clientError makes them so).
          (error) => observer.error(error as TRPCClientError<TRouter>),
        ),
      );
    };
}
