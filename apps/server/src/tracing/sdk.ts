/**
 * The OpenTelemetry SDK, started only when tracing is on: everything it needs is imported here
 * lazily, and left out of the bundle (build/esbuild-options.mjs), so a server with tracing off
 * neither parses nor loads it, and @opentelemetry/api's calls stay no-ops. It registers, for the
 * whole process, the tracer provider (sampler, resource, a batch processor per exporter), the
 * AsyncLocalStorage context manager, the W3C trace-context propagator (`traceparent` in and out)
 * and the Redis commands' spans (redis-spans.ts).
 */
import { context, diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';
import { traceRedisCommands } from './redis-spans';
import type { TracingConfig } from './tracing-config';

/** How long the last export may take when the server stops (the exporter's own timeout is 10 s). */
const SHUTDOWN_EXPORT_MS = 2_000;

export interface TracingSdk {
  /** Exports what is buffered now. */
  flush(): Promise<void>;
  /** Exports what is buffered, then stops; the process's tracing is off again. */
  shutdown(): Promise<void>;
}

interface TracingSdkOptions {
  logger: Logger;
  /** service.version of every span. */
  version: string;
  /** Instead of the configured exporters (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

/** The SDK's own complaints (an export that failed, a bad variable) as log lines, warnings and up. */
function diagLogger(logger: Logger): DiagLogger {
  const log = logger.child({ component: 'otel' });
  const ignore = () => undefined;
  return {
    error: (message, ...args) => log.error({ args }, message),
    warn: (message, ...args) => log.warn({ args }, message),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
}

export async function startTracingSdk(config: TracingConfig, options: TracingSdkOptions): Promise<TracingSdk> {
  const [sdk, { AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, resources] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  diag.setLogger(diagLogger(options.logger), DiagLogLevel.WARN);

  const ratio = () => new sdk.TraceIdRatioBasedSampler(config.samplerRatio);
  const samplers: Record<TracingConfig['sampler'], () => Sampler> = {
    always_on: () => new sdk.AlwaysOnSampler(),
    always_off: () => new sdk.AlwaysOffSampler(),
    traceidratio: ratio,
    parentbased_always_on: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }),
    parentbased_always_off: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() }),
    parentbased_traceidratio: () => new sdk.ParentBasedSampler({ root: ratio() }),
  };

  const exporters: SpanExporter[] = options.exporter
    ? [options.exporter]
    : await Promise.all(
        config.exporters.map(async (name) => {
          if (name === 'console') return new sdk.ConsoleSpanExporter();
          // Its endpoint, headers, timeout and compression come from the OTEL_EXPORTER_OTLP_* variables.
          const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
          return new OTLPTraceExporter();
        }),
      );

  // Precedence as the specification has it: OTEL_SERVICE_NAME, then OTEL_RESOURCE_ATTRIBUTES, then
  // ours (`server`, as the logs' `service`); a later merge and a later detector win. The detectors
  // read the environment themselves, as the OTLP exporter does; config.ts has validated both variables.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': 'server', 'service.version': options.version }))
    .merge(resources.detectResources({ detectors: [resources.resourceAttributesEnvDetector, resources.serviceNameEnvDetector] }));

  const provider = new sdk.TracerProvider({
    resource,
    sampler: samplers[config.sampler](),
    spanProcessors: exporters.map((exporter) => new sdk.BatchSpanProcessor({ exporter })),
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  const untraceRedis = traceRedisCommands();

  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      untraceRedis();
      let timer: NodeJS.Timeout | undefined;
      try {
        // Bounded: a collector that hangs must not hold a deploy's shutdown to its own timeout.
        await Promise.race([
          provider.shutdown(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, SHUTDOWN_EXPORT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
        trace.disable();
        propagation.disable();
        context.disable();
        diag.disable();
      }
    },
  };
}
