/**
 * The REST API's description: its OpenAPI document at /openapi.json, always (clients generate
 * from it), and the interactive reference at /reference where configured (API_REFERENCE: on
 * outside production, off in production unless set).
 */
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/document';
import type { RestOperation } from '../openapi/operations';
import { referencePage } from '../openapi/reference-page';

const TITLE = 'WeChat mini-program API (REST)';

/** `operations`: the REST routes' (rest-api.ts), so that the document describes what is served. */
export function registerApiDocument(
  app: FastifyInstance,
  options: { operations: readonly RestOperation[]; version: string; reference: boolean },
): void {
  // Made on the first request and kept: a start does not pay for turning schemas into JSON.
  let document: string | undefined;
  app.get('/openapi.json', (_request, reply) => {
    document ??= JSON.stringify(buildOpenApiDocument(options.operations, { title: TITLE, version: options.version }));
    return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(document);
  });
  if (!options.reference) return;
  const page = referencePage(`${TITLE}: reference`, 'openapi.json');
  app.get('/reference', (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
