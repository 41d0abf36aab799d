/**
 * What a procedure may say about itself beyond its schemas: `.meta({ openapi })` exposes it as a
 * REST operation, described in the OpenAPI document and served by apps/server under /api
 * (src/openapi/). Its fields are those of trpc-to-openapi's `OpenApiMeta` (method, path, summary,
 * tags), plus `errors`: that library would serve the same meta, but it cannot read zod/mini schemas.
 * Whether the operation needs a session is not written here: it is read from the procedure
 * (`requiresSession`, trpc.ts), so the document cannot say otherwise than the procedure does.
 */
import type { AppErrorCode } from '@app/shared';

export interface OpenApiOperationMeta {
  /** GET for queries (input in the query string and path); POST, PATCH, PUT or DELETE for mutations (a JSON body). */
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Below the REST prefix, in OpenAPI's template syntax: `/orders/{id}`, where `id` is a field of the input. */
  path: `/${string}`;
  summary: string;
  description?: string;
  tags?: string[];
  /**
   * The codes this procedure answers with of its own (WECHAT_CODE_USED, ORDER_NOT_FOUND, …).
   * Those every operation may get (bad input, no session, rate limits on mutations, an outage)
   * are added by the document itself.
   */
  errors?: AppErrorCode[];
}

export interface ProcedureMeta {
  openapi?: OpenApiOperationMeta;
}
