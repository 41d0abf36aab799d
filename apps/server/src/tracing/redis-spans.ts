/**
 * A CLIENT span per Redis command, from the `ioredis:command` tracing channel that ioredis
 * publishes on node:diagnostics_channel (ioredis's README, "Diagnostics Channel"): no patching,
 * and nothing at all while no one subscribes, which is the case with tracing off (sdk.ts
 * subscribes). The channel is the process's, so every ioredis client is covered.
 *
 * Only commands run inside a sampled trace (a request's) get a span: the background loops'
 * (revocation rebuilds, token locks of jobs) would each be a trace of one span. The arguments are
 * left out, even those ioredis deems safe: EVAL's include an access token.
 */
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { tracingChannel } from 'node:diagnostics_channel';
import type { CommandTraceContext } from 'ioredis';
import { tracer } from './tracer';

const SPAN = Symbol('span');
type Traced = CommandTraceContext & { [SPAN]?: Span; error?: unknown };

/** Subscribes; the function returned unsubscribes. */
export function traceRedisCommands(): () => void {
  const channel = tracingChannel<unknown, Traced>('ioredis:command');
  const handlers = {
    // Published synchronously where the command is sent: the caller's context is the active one.
    start(message: Traced) {
      const parent = context.active();
      if (trace.getSpan(parent)?.isRecording() !== true) return;
      const operation = message.command.toUpperCase();
      message[SPAN] = tracer.startSpan(
        operation,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [ATTR_DB_SYSTEM_NAME]: 'redis',
            [ATTR_DB_OPERATION_NAME]: operation,
            [ATTR_DB_NAMESPACE]: String(message.database),
            [ATTR_SERVER_ADDRESS]: message.serverAddress,
            ...(message.serverPort === undefined ? {} : { [ATTR_SERVER_PORT]: message.serverPort }),
          },
        },
        parent,
      );
    },
    end() {},
    asyncStart() {},
    error(message: Traced) {
      const span = message[SPAN];
      if (span === undefined) return;
      const { error } = message;
      span.setAttribute(ATTR_ERROR_TYPE, error instanceof Error ? error.name : 'Error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    },
    // After the reply (or the failure): the command's whole round trip.
    asyncEnd(message: Traced) {
      message[SPAN]?.end();
    },
  };
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
