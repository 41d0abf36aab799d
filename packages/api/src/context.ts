/**
 * The tRPC context. `createContextInner` takes everything explicitly (services and the request's
 * facts), so tests build a context without HTTP; the server's adapter builds one per request.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from './clock';
import type { Database } from './db/schema';

/** Long-lived dependencies, created once at start-up and shared by all requests. */
export interface Services {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  /** Application version reported by `health`. */
  version: string;
  /** Send stacks and internal messages to clients: never in production. */
  exposeErrors: boolean;
}

/** Who is calling: set once the access token has been verified. */
export interface Session {
  userId: number;
  sessionId: string;
}

export interface RequestFacts {
  requestId: string;
  session: Session | null;
  /** Client address, for rate limits and audit logs. */
  ip: string;
}

export interface Context extends Services, RequestFacts {}

export function createContextInner(services: Services, request: Partial<RequestFacts> = {}): Context {
  return {
    ...services,
    requestId: request.requestId ?? 'internal',
    session: request.session ?? null,
    ip: request.ip ?? '127.0.0.1',
  };
}
