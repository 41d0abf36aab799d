/**
 * Request ids and the one log line per request.
 * The id comes from an incoming X-Request-Id when it is a sane value (so a trace spans the
 * mini-program, a gateway and this server), else it is generated; it is echoed on every response.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GRAY_CHANNEL_HEADER, GRAY_CHANNEL_PATTERN, REQUEST_ID_HEADER } from '@app/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * The id given to a request, kept on the request itself for answers written to its socket without
 * Fastify (a timeout). A property, not a WeakMap: this runs on every request, and a WeakMap entry
 * per short-lived request costs about a microsecond in garbage collection (ephemerons).
 */
const REQUEST_ID = Symbol('requestId');
type IdentifiedMessage = IncomingMessage & { [REQUEST_ID]?: string };

export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  (req as IdentifiedMessage)[REQUEST_ID] = id;
  return id;
}

/** The id requestIdFor gave this request, if Fastify has seen it. */
export function requestIdOf(req: IncomingMessage): string | undefined {
  return (req as IdentifiedMessage)[REQUEST_ID];
}

/** `/trpc/user.me,health?batch=1&input=…` → `user.me,health`; the query (inputs) is never logged. */
function procedureOf(path: string): string | undefined {
  if (!path.startsWith('/trpc/')) return undefined;
  const raw = path.slice('/trpc/'.length);
  if (!raw.includes('%')) return raw.slice(0, 200); // the usual case: nothing to decode, once per request
  try {
    return decodeURIComponent(raw).slice(0, 200);
  } catch {
    return raw.slice(0, 200); // malformed %-encoding: as the client sent it
  }
}

/** Writes the request's log line. Also called for requests the router rejects before any hook. */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?', 1)[0] ?? '/';
  const procedure = procedureOf(path);
  // The tester's gray channel (the mini-program's 环境 page), so its traffic can be told apart.
  const channel = request.headers[GRAY_CHANNEL_HEADER];
  const grayChannel = typeof channel === 'string' && GRAY_CHANNEL_PATTERN.test(channel) ? channel : undefined;
  // One literal, no spreads (V8 builds each spread object apart): pino leaves out undefined fields.
  request.log.info(
    {
      method: request.method,
      path,
      procedure,
      grayChannel,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    },
    'request',
  );
}

export function installRequestContext(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply));
}
