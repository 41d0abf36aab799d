/**
 * Errors outside tRPC's hosts (a REST route's procedure, body too large, unsupported content type,
 * unknown route, a request that arrives while the server shuts down, a client Node itself refuses)
 * get the same coded shape as tRPC errors: `{ error: { appCode, message, requestId, issues } }`.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { classifyError, type OutageLog } from '@app/api';
import { isDatabaseUnavailable } from '@app/api/db';
import { TRPCError } from '@trpc/server';
import { appCodeForHttpStatus, errorCatalog, REQUEST_ID_HEADER, type AppErrorCode, type AppErrorData } from '@app/shared';
import type { ConnectionError, FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logRequest, requestIdOf } from './request-context';

export interface HttpErrorBody {
  error: AppErrorData & { message: string };
}

/** The coded body, also for answers written without Fastify (Node's refusals, the metrics port). */
export function errorBody(appCode: AppErrorCode, requestId: string, issues: AppErrorData['issues'] = null): HttpErrorBody {
  return { error: { appCode, message: errorCatalog[appCode].message, requestId, issues } };
}

/** The code a reply was answered with, kept for the request metrics (plugins/metrics.ts). */
const APP_CODE = Symbol('appCode');
type CodedReply = FastifyReply & { [APP_CODE]?: AppErrorCode };

/** `issues`: what exactly was wrong (the REST routes' validation failures, OUT_OF_STOCK's product). */
export function sendAppError(
  request: FastifyRequest,
  reply: FastifyReply,
  appCode: AppErrorCode,
  issues: AppErrorData['issues'] = null,
): FastifyReply {
  (reply as CodedReply)[APP_CODE] = appCode;
  return reply.status(errorCatalog[appCode].status).send(errorBody(appCode, request.id, issues));
}

/** The app code sendAppError answered this reply with, if it did. */
export function appCodeOfReply(reply: FastifyReply): AppErrorCode | undefined {
  return (reply as CodedReply)[APP_CODE];
}

function appCodeOf(error: FastifyError): AppErrorCode {
  const status = error.statusCode ?? 500;
  if (error.validation) return 'VALIDATION_FAILED';
  return appCodeForHttpStatus(status) ?? (status < 500 ? 'MALFORMED_REQUEST' : 'INTERNAL_ERROR');
}

/**
 * Fastify's `frameworkErrors`: requests the router rejects before any hook runs (a URL with
 * malformed %-encoding, say). They get the coded shape, the request id and their log line too.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header(REQUEST_ID_HEADER, request.id);
  reply.raw.once('finish', () => logRequest(request, reply));
  void sendAppError(request, reply, appCodeOf(error));
}

/**
 * A server fault of a procedure, wherever it was called (/trpc, REST, a plain route): logged in
 * full, or, when the database is down, told to its outage log, which logs once per episode. Client
 * mistakes are not logged here: the request line shows them.
 */
export function reportServerFault(
  request: FastifyRequest,
  error: TRPCError,
  databaseOutage: OutageLog,
  procedure?: string,
  classified: ReturnType<typeof classifyError> = classifyError(error),
): void {
  if (error.code !== 'INTERNAL_SERVER_ERROR') return;
  if (classified.databaseUnavailable) databaseOutage.failed(error.cause);
  else request.log.error({ err: error, ...(procedure === undefined ? {} : { procedure }) }, 'procedure failed');
}

/** A TRPCError answered as /trpc answers it (packages/api's classifyError): its code, issues and Retry-After. */
function sendTrpcError(request: FastifyRequest, reply: FastifyReply, error: TRPCError, databaseOutage: OutageLog): FastifyReply {
  const classified = classifyError(error);
  const { appCode, issues, retryAfterSeconds } = classified;
  reportServerFault(request, error, databaseOutage, undefined, classified);
  if (retryAfterSeconds) reply.header('retry-after', String(retryAfterSeconds));
  return sendAppError(request, reply, appCode, issues);
}

export function installErrorHandling(app: FastifyInstance, options: { databaseOutage: OutageLog }): void {
  app.setErrorHandler((error: FastifyError | TRPCError, request, reply) => {
    // Thrown by the procedures the REST routes call, and by the services plain routes share with
    // tRPC (auth, uploads): AppErrors and the rest of tRPC's errors.
    if (error instanceof TRPCError) return sendTrpcError(request, reply, error, options.databaseOutage);
    // The database is unreachable from a plain route (uploads, sessions query it too): coded as a
    // procedure's would be, a 503 to retry later.
    if (isDatabaseUnavailable(error)) {
      return sendTrpcError(request, reply, new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error }), options.databaseOutage);
    }
    const status = error.statusCode ?? 500;
    const appCode = appCodeOf(error);
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    return sendAppError(request, reply, appCode);
  });

  app.setNotFoundHandler((request, reply) => sendAppError(request, reply, 'NOT_FOUND'));
}

/** Requests that arrive while the server shuts down: retry in a second, on another instance. */
const CLOSING_RETRY_AFTER_SECONDS = 1;

/**
 * Shutting down (app.close()): requests that still arrive, on open keep-alive connections or
 * before the server stops listening, get the coded 503 (instead of Fastify's return503OnClosing
 * body) with Retry-After and `Connection: close`. In-flight requests run to their end, and their
 * responses say `Connection: close` too, so that no keep-alive connection holds the shutdown for
 * the length of its keep-alive timeout.
 */
export function installClosingResponses(app: FastifyInstance): void {
  // Fastify gives every request that arrives once close() has begun a `Connection: close`
  // response header (Server.md, "Shutdown lifecycle"): that is the signal. A preClose hook would
  // be one too, but it delays the moment the server stops listening by a turn of the event loop,
  // and a connection made in that turn is reset instead of refused.
  app.addHook('onRequest', (request, reply, done) => {
    if (reply.raw.getHeader('connection') !== 'close') return done();
    reply.header('retry-after', String(CLOSING_RETRY_AFTER_SECONDS));
    void sendAppError(request, reply, 'SERVICE_UNAVAILABLE');
  });
  let listened = false;
  app.addHook('onListen', (done) => {
    listened = true;
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    // Answered after the server stopped listening: the connection ends with this response.
    if (listened && !app.server.listening) reply.header('connection', 'close');
    done(null, payload);
  });
}

/** What Node's parser and timeouts refuse (ConnectionError.code), as status and code. */
const CLIENT_ERRORS: Record<string, { status: number; appCode: AppErrorCode }> = {
  // The request or its headers took longer than REQUEST_TIMEOUT_MS / HEADERS_TIMEOUT_MS.
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, appCode: 'REQUEST_TIMEOUT' },
  // Headers over Node's --max-http-header-size (16 KiB): not something a user can fix.
  HPE_HEADER_OVERFLOW: { status: 431, appCode: 'MALFORMED_REQUEST' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, appCode: 'PAYLOAD_TOO_LARGE' },
};
const OTHER_CLIENT_ERROR = { status: 400, appCode: 'MALFORMED_REQUEST' } as const;

/**
 * Fastify's `clientErrorHandler`: Node's answers to what never becomes a request (a bad request
 * line, headers too large, a timeout) get the coded body, a request id, and their log line. It
 * writes to the socket itself, as Node does, and only when Node would: the socket is writable and
 * no response has started on it.
 */
export function createClientErrorHandler(logger: FastifyBaseLogger) {
  return function handleClientError(error: ConnectionError, socket: Socket): void {
    // A reset connection is gone: nothing to answer, nothing worth a log line.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, appCode } = CLIENT_ERRORS[error.code] ?? OTHER_CLIENT_ERROR;
    // A request whose body was still arriving (a timeout) already has an id: its answer keeps it.
    const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
    const requestId = (response && requestIdOf(response.req)) ?? randomUUID();
    logger.info({ reqId: requestId, status, clientError: error.code }, 'client error');
    if (socket.writable && !response?.headersSent) {
      const body = JSON.stringify(errorBody(appCode, requestId));
      socket.write(
        [
          `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
          'Content-Type: application/json; charset=utf-8',
          `Content-Length: ${Buffer.byteLength(body)}`,
          `${REQUEST_ID_HEADER}: ${requestId}`,
          'Connection: close',
          '',
          body,
        ].join('\r\n'),
      );
    }
    socket.destroy(error);
  };
}
