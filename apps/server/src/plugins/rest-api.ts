/**
 * The REST routes under /api: each procedure with `.meta({ openapi })` (openapi/operations.ts),
 * called through tRPC's own caller with the context tRPC gets (plugins/trpc.ts's
 * createRequestContext), so sessions, rate limits and validation are the procedures' own. Their
 * errors are answered by the app's error handler (plugins/error-handling.ts), coded as on /trpc.
 * A separate path from /trpc: nothing here runs for a tRPC request.
 */
import { createCaller, type Services } from '@app/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { REST_PREFIX } from '../openapi/document';
import { inputFields, type JsonSchema } from '../openapi/json-schema';
import type { RestOperation } from '../openapi/operations';
import { coerceFields } from '../openapi/query-input';
import { procedureSpans } from '../tracing/procedure-spans';
import { createRequestContext } from './trpc';

type ProcedureCall = (input: unknown) => Promise<unknown>;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function restHandler(operation: RestOperation, services: Services, traceCalls: boolean) {
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

  // The procedure's span, as /trpc's calls get it from the lean host: with tracing on only.
  const span = { path: operation.procedurePath, type: operation.type, index: 0 };
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const caller = createCaller(createRequestContext(services, request));
    const call = segments.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as ProcedureCall;
    if (!traceCalls) return reply.send(await call(inputOf(request)));
    return reply.send(await procedureSpans(span, request, () => call(inputOf(request))));
  };
}

/** `operations`: restOperationsOf(appRouter), which the document (api-document.ts) describes too. */
export async function registerRestApi(
  app: FastifyInstance,
  options: {
    services: Services;
    operations: readonly RestOperation[];
    /** A span per procedure call (tracing/procedure-spans.ts), with tracing on. */
    traceCalls?: boolean;
  },
): Promise<void> {
  await app.register(
    (scope, _options, done) => {
      // JSON bodies only (Fastify also reads text/plain by default): anything else is a coded 415.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('application/json', { parseAs: 'string' }, scope.getDefaultJsonParser('error', 'error'));
      for (const operation of options.operations) {
        scope.route({
          method: operation.method,
          url: operation.routePath,
          handler: restHandler(operation, options.services, options.traceCalls === true),
        });
      }
      done();
    },
    { prefix: REST_PREFIX },
  );
}
