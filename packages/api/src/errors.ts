/**
 * Application errors: a TRPCError that carries a code from the shared catalog. Procedures and
 * services throw `new AppError('WECHAT_CODE_USED')`; the error formatter puts the code, the
 * request id and any validation issues into `error.data`.
 */
import { appCodeForHttpStatus, errorCatalog, type AppErrorCode, type ErrorIssue } from '@app/shared';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { isDatabaseUnavailable } from './db/dialect';

/** tRPC's name for a status of the catalog (tRPC derives the HTTP status back from it). */
const trpcCodeByStatus: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

export class AppError extends TRPCError {
  readonly appCode: AppErrorCode;
  readonly retryAfterSeconds: number | undefined;
  /** What exactly was wrong, for the client to show (e.g. which product is out of stock). */
  readonly issues: ErrorIssue[] | null;

  constructor(appCode: AppErrorCode, options: { cause?: unknown; retryAfterSeconds?: number; issues?: ErrorIssue[] } = {}) {
    const { status, message } = errorCatalog[appCode];
    super({ code: trpcCodeByStatus[status] ?? 'INTERNAL_SERVER_ERROR', message, cause: options.cause });
    this.name = 'AppError';
    this.appCode = appCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.issues = options.issues ?? null;
  }
}

interface IssueLike {
  path?: readonly PropertyKey[];
  message?: unknown;
}

/** Validation issues from zod (or any Standard Schema error), flattened to `{ path, message }`. */
export function validationIssuesOf(cause: unknown): ErrorIssue[] | null {
  if (typeof cause !== 'object' || cause === null) return null;
  const issues = (cause as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return null;
  return (issues as IssueLike[]).map((issue) => ({
    path: (issue.path ?? []).map((segment) => String(segment)).join('.'),
    message: typeof issue.message === 'string' ? issue.message : errorCatalog.VALIDATION_FAILED.message,
  }));
}

export interface ClassifiedError {
  appCode: AppErrorCode;
  issues: ErrorIssue[] | null;
  retryAfterSeconds: number | undefined;
  /** Whether the database was unreachable (an outage, logged once per episode by the server). */
  databaseUnavailable: boolean;
}

/** How long a client should wait before retrying during a database outage. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export function classifyError(error: TRPCError): ClassifiedError {
  if (error instanceof AppError) {
    return { appCode: error.appCode, issues: error.issues, retryAfterSeconds: error.retryAfterSeconds, databaseUnavailable: false };
  }
  // A lost database is the service's temporary trouble, not a bug: a coded 503 to retry later.
  if (isDatabaseUnavailable(error.cause)) {
    return { appCode: 'SERVICE_UNAVAILABLE', issues: null, retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS, databaseUnavailable: true };
  }
  // Input that failed its schema: BAD_REQUEST with the validator's error as cause. Output that
  // fails its schema is a server bug (INTERNAL_SERVER_ERROR) and its issues stay inside.
  if (error.code === 'BAD_REQUEST') {
    const issues = validationIssuesOf(error.cause);
    if (issues) return { appCode: 'VALIDATION_FAILED', issues, retryAfterSeconds: undefined, databaseUnavailable: false };
  }
  // Errors tRPC raises itself (bad JSON, unknown procedure, ...): coded by their HTTP status, with
  // the one status-to-code table of @app/shared.
  return {
    appCode: appCodeForHttpStatus(getHTTPStatusCodeFromError(error)) ?? 'INTERNAL_ERROR',
    issues: null,
    retryAfterSeconds: undefined,
    databaseUnavailable: false,
  };
}

/**
 * The HTTP status tRPC answers an error with (the error formatter's httpStatus): its own status for
 * the error's tRPC code, except a lost database, which is the catalog's 503 rather than a 500.
 * `classified`: the error's classification when the caller already has it.
 */
export function httpStatusOf(error: TRPCError, classified: ClassifiedError = classifyError(error)): number {
  return classified.databaseUnavailable ? errorCatalog[classified.appCode].status : getHTTPStatusCodeFromError(error);
}
