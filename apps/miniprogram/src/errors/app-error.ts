/**
 * The error model. Every failure the app sees becomes one shape: the shared error code, its
 * message (the catalog's, from @app/shared), and the request id to quote to support. Server errors
 * arrive coded; the client codes its own (network down, timeout, cancelled, WeChat unreachable)
 * the same way, as TRPCClientErrors like the server's. How an error is worded on screen is the
 * UI's business (ui/error-text.ts), not this module's.
 */
import { appCodeForHttpStatus, errorCatalog, isAppErrorCode, type AppErrorCode, type AppErrorData, type ErrorIssue } from '@app/shared';
import { TRPCClientError } from '@trpc/client';

export interface AppErrorInfo {
  code: AppErrorCode;
  message: string;
  requestId: string | null;
  issues: readonly ErrorIssue[] | null;
  retryAfterSeconds?: number;
}

/** The error shape the server's formatter produces, for errors raised on this side of the wire. */
const JSON_RPC_CODE: Partial<Record<number, number>> = { 0: -32099, 400: -32600, 401: -32001, 413: -32013, 429: -32029 };

/** A TRPCClientError carrying `appCode`, as if the server had answered with it. */
export function clientError(
  appCode: AppErrorCode,
  requestId: string | null,
  options: { cause?: unknown; issues?: readonly ErrorIssue[] | null; retryAfterSeconds?: number } = {},
): TRPCClientError<never> {
  const { status, message } = errorCatalog[appCode];
  const data: AppErrorData & { httpStatus: number } = {
    appCode,
    requestId,
    issues: options.issues ?? null,
    httpStatus: status,
    ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
  };
  return TRPCClientError.from<never>(
    { error: { message, code: JSON_RPC_CODE[status] ?? -32603, data } },
    options.cause instanceof Error ? { cause: options.cause } : {},
  );
}

function dataOf(error: unknown): Partial<AppErrorData> | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data: unknown = error.data;
  return typeof data === 'object' && data !== null ? data : undefined;
}

/** The code of any error (INTERNAL_ERROR for anything that is not ours). */
export function appCodeOf(error: unknown): AppErrorCode {
  const code = dataOf(error)?.appCode;
  return isAppErrorCode(code) ? code : 'INTERNAL_ERROR';
}

export function appErrorOf(error: unknown): AppErrorInfo {
  const data = dataOf(error);
  const code = appCodeOf(error);
  return {
    code,
    // The catalog's text, not the error's: it is what users of every version of the app see.
    message: errorCatalog[code].message,
    requestId: data?.requestId ?? null,
    issues: data?.issues ?? null,
    ...(data?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: data.retryAfterSeconds }),
  };
}

/** The first field-level message (a validation failure), else the code's message. */
export function firstIssueMessage(error: AppErrorInfo): string {
  return error.issues?.[0]?.message ?? error.message;
}

interface CodedHttpBody {
  error?: { appCode?: unknown; requestId?: unknown; issues?: unknown; retryAfterSeconds?: unknown };
}

/**
 * An HTTP answer that is not a tRPC result: the server's coded body (`{ error: { appCode } }`,
 * from uploads or from Fastify before tRPC), or a gateway's page, known only by its status.
 */
export function httpError(status: number, body: unknown, requestId: string | null): TRPCClientError<never> {
  const coded = (typeof body === 'object' && body !== null ? (body as CodedHttpBody).error : undefined) ?? {};
  const appCode = isAppErrorCode(coded.appCode) ? coded.appCode : (appCodeForHttpStatus(status) ?? 'INTERNAL_ERROR');
  return clientError(appCode, typeof coded.requestId === 'string' ? coded.requestId : requestId, {
    issues: Array.isArray(coded.issues) ? (coded.issues as ErrorIssue[]) : null,
    ...(typeof coded.retryAfterSeconds === 'number' ? { retryAfterSeconds: coded.retryAfterSeconds } : {}),
  });
}
