/**
 * Errors outside tRPC (body too large, unsupported content type, unknown route) get the same
 * coded shape as tRPC errors: `{ error: { appCode, message, requestId, issues } }`.
 */
import { AppError } from '@app/api';
import { appCodeForHttpStatus, errorCatalog, REQUEST_ID_HEADER, type AppErrorCode, type AppErrorData } from '@app/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { logRequest } from './request-context';

export interface HttpErrorBody {
  error: AppErrorData & { message: string };
}

export function sendAppError(request: FastifyRequest, reply: FastifyReply, appCode: AppErrorCode): FastifyReply {
  const body: HttpErrorBody = {
    error: { appCode, message: errorCatalog[appCode].message, requestId: request.id, issues: null },
  };
  return reply.status(errorCatalog[appCode].status).send(body);
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

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Thrown by the services that plain routes share with tRPC (auth, uploads).
    if (error instanceof AppError) {
      if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
      if (error.appCode === 'INTERNAL_ERROR') request.log.error({ err: error }, 'unhandled error');
      return sendAppError(request, reply, error.appCode);
    }
    const status = error.statusCode ?? 500;
    const appCode = appCodeOf(error);
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    return sendAppError(request, reply, appCode);
  });

  app.setNotFoundHandler((request, reply) => sendAppError(request, reply, 'NOT_FOUND'));
}
