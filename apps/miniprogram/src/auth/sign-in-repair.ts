/**
 * The one place that decides what a call does when the sign-in ran out under it: a failure with
 * a code that a fresh sign-in cures gets the sign-in repaired (one attempt shared by every caller
 * that hit it), then the call runs once more, out of sight. Only when the repair fails too does
 * the caller get an error, the repair's own (say, "WeChat is unreachable"); a replay's failure is
 * final. The tRPC link (api/auth-recovery-link.ts) and uploads (api/upload.ts) both go through here.
 * Replaying is safe for mutations as well: a call refused at the auth check never ran.
 */
import type { AppErrorCode } from '@app/shared';
import { appCodeOf } from '../errors/app-error';

/** Codes that a fresh sign-in cures. */
const RECOVERABLE_AUTH_CODES: ReadonlySet<AppErrorCode> = new Set<AppErrorCode>([
  'AUTH_TOKEN_EXPIRED',
  'AUTH_REQUIRED',
  'AUTH_SESSION_REVOKED',
  'AUTH_TOKEN_MALFORMED',
  'AUTH_TOKEN_SIGNATURE_INVALID',
  'AUTH_TOKEN_ALGORITHM_INVALID',
  'AUTH_TOKEN_CLAIMS_INVALID',
]);

/** What the repair needs of the session (SessionManager implements it). */
export interface AuthRecovery {
  /** Changes whenever the tokens do: a call that failed with older tokens is simply replayed. */
  readonly generation: number;
  /** Repairs the sign-in for a failure with this code; one attempt shared by concurrent callers. */
  recover(code: AppErrorCode): Promise<void>;
}

/** Stops what is in flight; nothing is reported afterwards except a repair's failure. */
export type Cancel = () => void;

/**
 * Runs a call, repairing the sign-in and replaying the call once when it failed with a
 * recoverable code. `attempt(failed)` starts one try of the call, delivers its results itself,
 * reports its failure through `failed`, and returns how to cancel it. `fail` gets the error the
 * caller should see. The repair is skipped when the tokens changed while the try was out
 * (someone else renewed them): the replay alone is enough then.
 */
export function withSignInRepair(
  session: AuthRecovery,
  attempt: (failed: (error: unknown) => void) => Cancel,
  fail: (error: unknown) => void,
): Cancel {
  let cancelTry: Cancel | null = null;
  let cancelled = false;

  const run = (isReplay: boolean): void => {
    const generation = session.generation;
    cancelTry = attempt((error) => {
      const code = appCodeOf(error);
      if (isReplay || !RECOVERABLE_AUTH_CODES.has(code)) {
        fail(error);
        return;
      }
      const repaired = session.generation !== generation ? Promise.resolve() : session.recover(code);
      void repaired.then(() => {
        if (!cancelled) run(true);
      }, fail);
    });
  };

  run(false);
  return () => {
    cancelled = true;
    cancelTry?.();
  };
}

/** withSignInRepair for a call that is a promise (an upload): the first success, else the error to show. */
export function withSignInRepairAsync<T>(session: AuthRecovery, attempt: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // A promise cannot be cancelled: the Cancel is not needed.
    withSignInRepair(
      session,
      (failed) => {
        void attempt().then(resolve, failed);
        return () => undefined;
      },
      reject,
    );
  });
}
