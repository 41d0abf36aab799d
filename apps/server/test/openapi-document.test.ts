/**
 * The OpenAPI document at /openapi.json: a valid OpenAPI 3.1 document (swagger-parser validates
 * it against the specification's schema and resolves every $ref), describing the procedures that
 * carry openapi meta, with authentication as the procedures themselves require it; the reference
 * page where configured; and the start refused for meta that cannot be served as written. That
 * the routes answer as documented is rest-api.test.ts.
 */
import SwaggerParser from '@apidevtools/swagger-parser';
import type { ProcedureMeta } from '@app/api';
import { initTRPC } from '@trpc/server';
import type { FastifyInstance } from 'fastify';
import * as z from 'zod/mini';
import { afterEach, describe, expect, it } from 'vitest';
import { restOperationsOf } from '../src/openapi/operations';
import { buildTestApp, PRODUCTION_SECRETS, testConfig } from './support/app';
import type { HttpErrorBody } from './support/bodies';

interface Operation {
  operationId: string;
  security?: unknown[];
  responses: Record<string, unknown>;
}
type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>> };

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function start(variables: Record<string, string> = {}) {
  ({ app } = await buildTestApp(variables));
  return app;
}

async function documentOf(server: FastifyInstance): Promise<OpenApiDocument> {
  const response = await server.inject('/openapi.json');
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  return response.json<OpenApiDocument>();
}

const operationsOf = (document: OpenApiDocument) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, ...operation })),
  );

describe('/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const document = await documentOf(await start());
    expect(document.openapi).toBe('3.1.0');
    // validate() dereferences the object it is given: it gets a copy.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it('describes the procedures with openapi meta, by their tRPC path, and only those', async () => {
    const routes = operationsOf(await documentOf(await start())).map(({ route, operationId }) => [operationId, route]);
    expect(Object.fromEntries(routes)).toEqual({
      'auth.login': 'POST /auth/login',
      'auth.refresh': 'POST /auth/refresh',
      'user.me': 'GET /me',
      'user.updateProfile': 'PATCH /me',
      'catalog.list': 'GET /products',
      'catalog.get': 'GET /products/{id}',
      'order.list': 'GET /orders',
      'order.get': 'GET /orders/{id}',
    });
  });

  it('asks for the bearer token exactly where the procedure requires a session, and lists its 401', async () => {
    // Written out, not derived with requiresSession (which writes the document): the procedures
    // built from authedProcedure. That they do refuse without a session is rest-api.test.ts.
    const needSession = ['order.get', 'order.list', 'user.me', 'user.updateProfile'];
    const operations = operationsOf(await documentOf(await start()));
    const secured = operations.filter((operation) => operation.security !== undefined);
    expect(secured.map((operation) => operation.operationId).sort()).toEqual(needSession);
    for (const operation of secured) expect(operation.security, operation.operationId).toEqual([{ bearerAuth: [] }]);
    for (const operation of operations) {
      expect('401' in operation.responses, operation.operationId).toBe(
        needSession.includes(operation.operationId) || operation.operationId === 'auth.refresh',
      );
    }
  });
});

describe('/reference', () => {
  it('serves the interactive reference, reading the document, outside production', async () => {
    const response = await (await start()).inject('/reference');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('Scalar.createApiReference(\'#app\', { url: "openapi.json" })');
    expect(response.body).toMatch(
      /<script src="https:\/\/cdn\.jsdelivr\.net\/npm\/@scalar\/api-reference@[\d.]+\/[^"]+" integrity="sha384-/,
    );
  });

  it('is off when API_REFERENCE=false (a coded 404), and in production unless API_REFERENCE=true', async () => {
    const response = await (await start({ API_REFERENCE: 'false' })).inject('/reference');
    expect(response.statusCode).toBe(404);
    expect(response.json<HttpErrorBody>().error.appCode).toBe('NOT_FOUND');
    expect((await app!.inject('/openapi.json')).statusCode).toBe(200);

    expect(testConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS }).apiReference).toBe(false);
    expect(testConfig({ NODE_ENV: 'production', ...PRODUCTION_SECRETS, API_REFERENCE: 'true' }).apiReference).toBe(true);
    expect(testConfig().apiReference).toBe(true);
  });
});

describe('openapi meta that cannot be served as written', () => {
  const t = initTRPC.meta<ProcedureMeta>().create();
  const idInput = z.object({ id: z.int() });
  const output = z.object({ ok: z.boolean() });
  const resolve = () => ({ ok: true });
  const problemOf = (procedures: Parameters<typeof t.router>[0]) => {
    try {
      restOperationsOf(t.router(procedures));
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it.each([
    [
      'a query that is not a GET',
      {
        a: t.procedure
          .meta({ openapi: { method: 'POST', path: '/a', summary: '' } })
          .output(output)
          .query(resolve),
      },
      'queries are GETs, and only queries',
    ],
    [
      'a mutation as a GET',
      {
        a: t.procedure
          .meta({ openapi: { method: 'GET', path: '/a', summary: '' } })
          .output(output)
          .mutation(resolve),
      },
      'queries are GETs, and only queries',
    ],
    [
      'a path field the input lacks',
      {
        a: t.procedure
          .meta({ openapi: { method: 'GET', path: '/a/{key}', summary: '' } })
          .input(idInput)
          .output(output)
          .query(resolve),
      },
      'the path names {key}, which is not a field of the input',
    ],
    [
      'no output schema',
      { a: t.procedure.meta({ openapi: { method: 'GET', path: '/a', summary: '' } }).query(resolve) },
      'a documented procedure declares its .output() schema',
    ],
    [
      'two procedures on one route',
      {
        a: t.procedure
          .meta({ openapi: { method: 'GET', path: '/a/{id}', summary: '' } })
          .input(idInput)
          .output(output)
          .query(resolve),
        b: t.procedure
          .meta({ openapi: { method: 'GET', path: '/a/{id}', summary: '' } })
          .input(idInput)
          .output(output)
          .query(resolve),
      },
      'b and a both claim GET /a/{id}',
    ],
  ])('refuses %s, naming the procedure', (_name, procedures, problem) => {
    expect(problemOf(procedures)).toContain(problem);
  });
});
