/**
 * The REST routes under /api: each procedure with `.meta({ openapi })` (openapi/operations.ts),
 * called through tRPC's own caller with the context tRPC gets (plugins/trpc.ts builds it from the
 * same three request facts), so sessions, rate limits and validation are the procedures' own.
 * A separate path from /trpc: nothing here runs for a tRPC request.
 */
import type { Logger } from 'pino';
import { appRouter, classifyError, createCaller, createContextInner, type OutageLog, type Services } from '@app/api';
import { getTRPCErrorFromUnknown } from '@trpc/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { REST_PREFIX } from '../openapi/document';
import { inputFields, type JsonSchema } from '../openapi/json-schema';
import { restOperationsOf, type RestOperation } from '../openapi/operations';
import { coerceFields } from '../openapi/query-input';
import { sendAppError } from './error-handling';

type ProcedureCall = (input: unknown) => Promise<unknown>;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function restHandler(operation: RestOperation, options: { services: Services; databaseOutage: OutageLog }) {
  const { services, databaseOutage } = options;
  const segments = operation.procedurePath.split('.');
  // The input's fields as JSON Schema, made on the first request: not every start pays for them.
  let fields: Record<string, JsonSchema> | undefined;
  const fieldsOf = () => (fields ??= operation.input ? inputFields(operation.input).properties : {});

  const inputOf = (request: FastifyRequest): unknown => {
    if (!operation.input) return undefined;
    const params = request.params as Record<string, string>;
    if (operation.inputFrom === 'query') return coerceFields({ ...(request.query as Record<string, unknown>), ...params }, fieldsOf());
    const body = request.body;
    return operation.pathParams.length > 0 && isPlainObject(body) ? { ...body, ...coerceFields(params, fieldsOf()) } : body;
  };

  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const ctx = createContextInner(services, {
      requestId: request.id,
      ip: request.ip,
      authorization: request.headers.authorization ?? null,
      // The request's logger, as on /trpc: the procedures' lines carry the request (and trace) id.
      logger: request.log as Logger,
    });
    try {
      const call = segments.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], createCaller(ctx)) as ProcedureCall;
      return await reply.send(await call(inputOf(request)));
    } catch (cause) {
      const error = getTRPCErrorFromUnknown(cause);
      const { appCode, issues, retryAfterSeconds, databaseUnavailable } = classifyError(error);
      // Logged as on /trpc: server faults in full, a database outage once per episode.
      if (error.code === 'INTERNAL_SERVER_ERROR') {
        if (databaseUnavailable) databaseOutage.failed(error.cause);
        else request.log.error({ err: error, procedure: operation.procedurePath }, 'procedure failed');
      }
      if (retryAfterSeconds) reply.header('retry-after', String(retryAfterSeconds));
      return sendAppError(request, reply, appCode, issues);
    }
  };
}

export async function registerRestApi(app: FastifyInstance, options: { services: Services; databaseOutage: OutageLog }): Promise<void> {
  const operations = restOperationsOf(appRouter);
  await app.register(
    (scope, _options, done) => {
      // JSON bodies only (Fastify also reads text/plain by default): anything else is a coded 415.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, scope.getDefaultJsonParser('error', 'error'));
      for (const operation of operations) {
        scope.route({ method: operation.method, url: operation.routePath, handler: restHandler(operation, options) });
      }
      done();
    },
    { prefix: REST_PREFIX },
  );
}
