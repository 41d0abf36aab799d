/**
 * Tracing's configuration: the standard OpenTelemetry variables (OTEL_*), checked at start with the
 * rest of the environment (config.ts) so a typo stops the start instead of silently tracing
 * nothing. Tracing is off unless an exporter is asked for: OTEL_TRACES_EXPORTER (otlp, console),
 * or an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), which
 * implies otlp; OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none turn it off regardless. Off,
 * the SDK is never loaded (sdk.ts). The OTLP exporter reads its endpoint, headers, timeout and
 * compression from the environment itself, as the specification has it, and the SDK its resource
 * (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES); this module only checks them.
 */
import * as z from 'zod/mini';
import { commaList } from '../comma-list';

type TraceExporterName = 'otlp' | 'console';
type SamplerName =
  'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio';

export interface TracingConfig {
  /** Spans are recorded and exported: the SDK is started and the server makes spans. */
  enabled: boolean;
  exporters: TraceExporterName[];
  sampler: SamplerName;
  /** The ratio of the traceidratio samplers (OTEL_TRACES_SAMPLER_ARG, default 1). */
  samplerRatio: number;
}

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const exporterList = z.pipe(
  z.string(),
  z.transform((value: string, ctx): Array<TraceExporterName | 'none'> => {
    const names = commaList(value.toLowerCase(), ctx, (name) =>
      ['otlp', 'console', 'none'].includes(name) ? null : `"${name}" is not a trace exporter this server has: otlp, console or none`,
    );
    if (names.includes('none') && names.length > 1) {
      ctx.issues.push({ code: 'custom', message: 'none cannot be combined with other exporters', input: value });
    }
    return names as Array<TraceExporterName | 'none'>;
  }),
);

// Only OTLP over HTTP with protobuf (the specification's default) is bundled: every collector takes it.
const protocol = z.enum(['http/protobuf'], { message: 'only http/protobuf is supported (grpc and http/json are not included)' });

const endpoint = z.url({ protocol: /^https?$/, message: 'expected an http(s) URL, e.g. http://127.0.0.1:4318' });

/** `key=value,key2=value2` (W3C Baggage's form, values %-encoded), as the specification writes lists. */
const keyValueList = z.string().check(
  z.refine((value) => value.split(',').every((entry) => /^\s*[^=\s]+\s*=/.test(entry)), {
    message: 'expected key=value pairs separated by commas',
  }),
);

export const TRACING_VARIABLES = {
  OTEL_SDK_DISABLED: z.optional(
    z.pipe(
      z.string().check(z.regex(/^(true|false)$/i, { message: 'expected true or false' })),
      z.transform((value: string) => value.toLowerCase() === 'true'),
    ),
  ),
  OTEL_TRACES_EXPORTER: z.optional(exporterList),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.optional(endpoint),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.optional(endpoint),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.optional(protocol),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.optional(protocol),
  OTEL_EXPORTER_OTLP_HEADERS: z.optional(keyValueList),
  OTEL_SERVICE_NAME: z.optional(z.string().check(z.minLength(1))),
  OTEL_RESOURCE_ATTRIBUTES: z.optional(keyValueList),
  OTEL_TRACES_SAMPLER: z.optional(
    z.enum(SAMPLERS as [SamplerName, ...SamplerName[]], { message: `expected one of ${SAMPLERS.join(', ')}` }),
  ),
  OTEL_TRACES_SAMPLER_ARG: z.optional(
    z.pipe(z.coerce.number({ message: 'expected a ratio between 0 and 1' }), z.number().check(z.minimum(0), z.maximum(1))),
  ),
};

type TracingEnvironment = { [K in keyof typeof TRACING_VARIABLES]?: z.infer<(typeof TRACING_VARIABLES)[K]> };

export function tracingConfig(env: TracingEnvironment): TracingConfig {
  const named = env.OTEL_TRACES_EXPORTER;
  const endpointSet = env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
  const exporters: TraceExporterName[] =
    named === undefined ? (endpointSet ? ['otlp'] : []) : named.filter((name): name is TraceExporterName => name !== 'none');
  return {
    enabled: env.OTEL_SDK_DISABLED !== true && exporters.length > 0,
    exporters,
    sampler: env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on',
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG ?? 1,
  };
}
