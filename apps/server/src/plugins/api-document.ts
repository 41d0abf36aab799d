/**
 * The REST API's description: its OpenAPI document at /openapi.json, always (clients generate
 * from it), and the interactive reference at /reference where configured (API_REFERENCE: on
 * outside production, off in production unless set).
 */
import { appRouter } from '@app/api';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../openapi/document';
import { restOperationsOf } from '../openapi/operations';
import { referencePage } from '../openapi/reference-page';

const TITLE = 'WeChat mini-program API (REST)';

export function registerApiDocument(app: FastifyInstance, options: { version: string; reference: boolean }): void {
  // Made on the first request and kept: a start does not pay for turning schemas into JSON.
  let document: string | undefined;
  app.get('/openapi.json', (_request, reply) => {
    document ??= JSON.stringify(buildOpenApiDocument(restOperationsOf(appRouter), { title: TITLE, version: options.version }));
    return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(document);
  });
  if (!options.reference) return;
  const page = referencePage(`${TITLE}: reference`, 'openapi.json');
  app.get('/reference', (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
}
