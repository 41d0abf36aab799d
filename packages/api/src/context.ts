/**
 * The tRPC context: the services plus the facts of one request. `createContextInner` takes
 * everything explicitly, so tests build a context without HTTP; the host builds one per request.
 */
import type { Logger } from 'pino';
import type { Session } from './modules/auth/session';
import type { Services } from './services';

export interface RequestFacts {
  requestId: string;
  /** Client address, for rate limits and audit logs. */
  ip: string;
  /** The raw Authorization header; verified only by procedures that need a session. */
  authorization: string | null;
  /** An already verified session (tests, internal callers); otherwise resolved from `authorization`. */
  session: Session | null;
  /** The request's own logger, whose lines carry its id (and trace ids); unset: the services' logger. */
  logger: Logger;
}

export interface Context extends Services, RequestFacts {}

/**
 * Built field by field: V8 makes `{ ...services, requestId, ... }` (a spread followed by more
 * properties) about a hundred times slower than this literal, and it runs on every request.
 */
export function createContextInner(services: Services, request: Partial<RequestFacts> = {}): Context {
  return {
    db: services.db,
    clock: services.clock,
    logger: request.logger ?? services.logger,
    wechat: services.wechat,
    auth: services.auth,
    rateLimits: services.rateLimits,
    uploads: services.uploads,
    orders: services.orders,
    pay: services.pay,
    version: services.version,
    exposeErrors: services.exposeErrors,
    telemetry: services.telemetry,
    requestId: request.requestId ?? 'internal',
    ip: request.ip ?? '127.0.0.1',
    authorization: request.authorization ?? null,
    session: request.session ?? null,
  };
}
