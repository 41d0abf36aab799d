/**
 * The OpenAPI 3.1 document of the REST operations, made from the procedures' own zod contracts
 * and meta: the schemas are the ones tRPC validates with, so the document cannot describe
 * another API than the one served. Errors are the coded envelope of every plain HTTP error
 * (plugins/error-handling.ts), each status listing the codes the operation may answer with.
 */
import { appErrorCodes, authTokensSchema, errorCatalog, orderSchema, productSchema, userSchema, type AppErrorCode } from '@app/shared';
import type { $ZodType } from 'zod/v4/core';
import { inputFields, inputJsonSchema, outputComponents, withoutNull, type JsonSchema } from './json-schema';
import type { RestOperation } from './operations';

/** Where the REST operations are served; the document's server URL, relative to the document. */
export const REST_PREFIX = '/api';

/** The entities the operations return, by name (components, each once); other outputs are named after their operation. */
const ENTITY_NAMES = new Map<$ZodType, string>([
  [userSchema, 'User'],
  [authTokensSchema, 'AuthTokens'],
  [productSchema, 'Product'],
  [orderSchema, 'Order'],
]);

/** What the session check answers (modules/auth: authenticate.ts, access-tokens.ts); refresh tokens have their own. */
const SESSION_CODES = appErrorCodes.filter((code) => code.startsWith('AUTH_') && !code.startsWith('AUTH_REFRESH_'));

const ref = (kind: 'schemas' | 'headers', name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** The codes an operation may answer with: those every operation of its kind may, then its own. */
function errorCodesOf(operation: RestOperation): AppErrorCode[] {
  const codes = new Set<AppErrorCode>();
  if (operation.input || operation.inputFrom === 'body') codes.add('VALIDATION_FAILED').add('MALFORMED_REQUEST');
  if (operation.inputFrom === 'body') codes.add('PAYLOAD_TOO_LARGE').add('UNSUPPORTED_MEDIA_TYPE');
  if (operation.requiresSession) SESSION_CODES.forEach((code) => codes.add(code));
  // authedProcedure limits every mutation per user (packages/api, trpc.ts).
  if (operation.requiresSession && operation.type === 'mutation') codes.add('RATE_LIMITED');
  operation.meta.errors?.forEach((code) => codes.add(code));
  codes.add('INTERNAL_ERROR').add('SERVICE_UNAVAILABLE');
  return [...codes];
}

function errorResponses(operation: RestOperation): Record<string, unknown> {
  const byStatus = new Map<number, AppErrorCode[]>();
  for (const code of errorCodesOf(operation)) {
    const { status } = errorCatalog[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${errorCatalog[code].message}`).join('\n\n'),
      headers: {
        'X-Request-Id': ref('headers', 'RequestId'),
        ...(status === 429 || status === 503 ? { 'Retry-After': ref('headers', 'RetryAfter') } : {}),
      },
      content: {
        'application/json': {
          schema: {
            allOf: [
              ref('schemas', 'AppError'),
              { type: 'object', properties: { error: { type: 'object', properties: { appCode: { enum: codes } } } } },
            ],
          },
        },
      },
    };
  }
  return responses;
}

/** A query or path field as a parameter: one value of a scalar type (an absent field is how a null is sent). */
function parameterSchema(operation: RestOperation, name: string, schema: JsonSchema): JsonSchema {
  const single = withoutNull(schema);
  const scalar = ['string', 'integer', 'number', 'boolean'].includes(single.type as string) || Array.isArray(single.enum);
  if (!scalar)
    throw new Error(`${operation.procedurePath}: input field "${name}" is not a scalar, so it cannot be a query or path parameter`);
  return single;
}

function parametersOf(operation: RestOperation): unknown[] {
  if (!operation.input) return [];
  const { properties, required } = inputFields(operation.input);
  const names = operation.inputFrom === 'query' ? Object.keys(properties) : operation.pathParams;
  return names.map((name) => {
    const inPath = operation.pathParams.includes(name);
    return {
      name,
      in: inPath ? 'path' : 'query',
      required: inPath || required.has(name),
      schema: parameterSchema(operation, name, properties[name] ?? {}),
    };
  });
}

function requestBodyOf(operation: RestOperation): unknown {
  if (operation.inputFrom !== 'body' || !operation.input) return undefined;
  const schema = inputJsonSchema(operation.input);
  // Path fields travel in the path, not in the body.
  if (operation.pathParams.length > 0 && typeof schema.properties === 'object' && schema.properties !== null) {
    const properties = { ...(schema.properties as Record<string, unknown>) };
    for (const name of operation.pathParams) delete properties[name];
    const required = Array.isArray(schema.required)
      ? (schema.required as string[]).filter((name) => !operation.pathParams.includes(name))
      : [];
    Object.assign(schema, { properties, required });
  }
  return { required: true, content: { 'application/json': { schema } } };
}

const pascal = (procedurePath: string) =>
  procedurePath
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

/** The components no operation reaches, dropped (an entity none of the documented operations returns). */
function reachable(paths: unknown, schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const kept = new Set<string>();
  const visit = (value: unknown) => {
    for (const [, name] of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      if (name && !kept.has(name) && schemas[name]) {
        kept.add(name);
        visit(schemas[name]);
      }
    }
  };
  visit(paths);
  return Object.fromEntries(Object.entries(schemas).filter(([name]) => kept.has(name)));
}

const errorSchemas: Record<string, JsonSchema> = {
  AppError: {
    type: 'object',
    description: 'Every error answer: a stable code from the catalog (packages/shared/src/errors.ts) and its zh-CN message.',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['appCode', 'message', 'requestId', 'issues'],
        additionalProperties: false,
        properties: {
          appCode: { type: 'string', enum: appErrorCodes.filter((code) => errorCatalog[code].status > 0) },
          message: { type: 'string', description: "The catalog's zh-CN text for the code, fit to show to a user." },
          requestId: { type: ['string', 'null'], description: 'The X-Request-Id of the request, to quote when reporting it.' },
          issues: { anyOf: [{ type: 'array', items: ref('schemas', 'ErrorIssue') }, { type: 'null' }] },
        },
      },
    },
  },
  ErrorIssue: {
    type: 'object',
    required: ['path', 'message'],
    additionalProperties: false,
    properties: {
      path: { type: 'string', description: "Dotted path into the input ('items.0.quantity'), '' for the input as a whole." },
      message: { type: 'string' },
    },
  },
};

export function buildOpenApiDocument(operations: readonly RestOperation[], info: { title: string; version: string }): JsonSchema {
  const names = new Map<$ZodType, string>();
  for (const operation of operations) {
    if (!names.has(operation.output))
      names.set(operation.output, ENTITY_NAMES.get(operation.output) ?? `${pascal(operation.procedurePath)}Result`);
  }
  for (const [schema, name] of ENTITY_NAMES) if (!names.has(schema)) names.set(schema, name);

  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const parameters = parametersOf(operation);
    const requestBody = requestBodyOf(operation);
    (paths[operation.path] ??= {})[operation.method.toLowerCase()] = {
      operationId: operation.procedurePath,
      summary: operation.meta.summary,
      ...(operation.meta.description ? { description: operation.meta.description } : {}),
      ...(operation.meta.tags ? { tags: operation.meta.tags } : {}),
      ...(operation.requiresSession ? { security: [{ bearerAuth: [] }] } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses: {
        200: {
          description: `The result of the tRPC procedure \`${operation.procedurePath}\`.`,
          headers: { 'X-Request-Id': ref('headers', 'RequestId') },
          content: { 'application/json': { schema: ref('schemas', names.get(operation.output) ?? '') } },
        },
        ...errorResponses(operation),
        default: {
          description: 'Any other error, in the same envelope.',
          content: { 'application/json': { schema: ref('schemas', 'AppError') } },
        },
      },
    };
  }

  const tags = [...new Set(operations.flatMap((operation) => operation.meta.tags ?? []))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: [
        'The REST face of the tRPC API served at /trpc: the same procedures, the same zod contracts, the same sessions and rate limits.',
        'JSON in and out; dates are ISO 8601 strings. Sign in with `POST /api/auth/login` and send its `accessToken` as `Authorization: Bearer …`;',
        'when an answer is `AUTH_TOKEN_EXPIRED`, rotate the tokens with `POST /api/auth/refresh`.',
        'Every error is `{ "error": { "appCode", "message", "requestId", "issues" } }`, `appCode` a stable code from the catalog.',
      ].join(' '),
    },
    servers: [{ url: REST_PREFIX }],
    ...(tags.length > 0 ? { tags } : {}),
    paths,
    components: {
      schemas: { ...reachable(paths, outputComponents(names)), ...errorSchemas },
      headers: {
        RequestId: {
          description: "The request's id (the client's X-Request-Id when it sent a sane one), also in the server's log line.",
          schema: { type: 'string' },
        },
        RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'string', pattern: '^\\d+$' } },
      },
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The accessToken of a sign-in or a refresh (15 minutes).',
        },
      },
    },
  };
}
