/**
 * Errors outside tRPC (body too large, unsupported content type, unknown route) get the same
 * coded shape as tRPC errors: `{ error: { appCode, message, requestId, issues } }`.
 */
import { errorCatalog, type AppErrorCode, type AppErrorData } from '@app/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface HttpErrorBody {
  error: AppErrorData & { message: string };
}

export function sendAppError(request: FastifyRequest, reply: FastifyReply, appCode: AppErrorCode): FastifyReply {
  const body: HttpErrorBody = {
    error: { appCode, message: errorCatalog[appCode].message, requestId: request.id, issues: null },
  };
  return reply.status(errorCatalog[appCode].status).send(body);
}

const appCodeByStatus: Record<number, AppErrorCode> = {
  400: 'MALFORMED_REQUEST',
  401: 'AUTH_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    const appCode = error.validation ? 'VALIDATION_FAILED' : (appCodeByStatus[status] ?? (status < 500 ? 'MALFORMED_REQUEST' : 'INTERNAL_ERROR'));
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    return sendAppError(request, reply, appCode);
  });

  app.setNotFoundHandler((request, reply) => sendAppError(request, reply, 'NOT_FOUND'));
}
