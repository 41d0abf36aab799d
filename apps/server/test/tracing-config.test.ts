/**
 * When tracing is on (tracing/tracing-config.ts): off unless an exporter or an OTLP endpoint is
 * set; OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none win; wrong values stop the start.
 */
import { describe, expect, it } from 'vitest';
import { configProblemsOf, testConfig } from './support/app';

describe('tracing configuration', () => {
  it('is off by default', () => {
    expect(testConfig().tracing).toMatchObject({ enabled: false, exporters: [] });
  });

  it('is on with an OTLP endpoint, or an exporter named', () => {
    expect(testConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing).toEqual({
      enabled: true,
      exporters: ['otlp'],
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
    expect(testConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example.com/v1/traces' }).tracing.exporters).toEqual(['otlp']);
    expect(testConfig({ OTEL_TRACES_EXPORTER: 'console' }).tracing).toMatchObject({ enabled: true, exporters: ['console'] });
    expect(testConfig({ OTEL_TRACES_EXPORTER: 'otlp, console' }).tracing.exporters).toEqual(['otlp', 'console']);
    expect(
      testConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })
        .tracing,
    ).toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.25 });
  });

  it('is off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, endpoint or not', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(testConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).tracing.enabled).toBe(false);
    expect(testConfig({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' }).tracing.enabled).toBe(false);
    expect(testConfig({ ...endpoint, OTEL_SDK_DISABLED: 'false' }).tracing.enabled).toBe(true);
    expect(testConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing.enabled).toBe(false);
  });

  it('refuses what it would not honour, naming the variable', () => {
    const base = { NODE_ENV: 'test' };
    const refused = (variables: Record<string, string>) => configProblemsOf({ ...base, ...variables }).map((problem) => problem.variable);
    expect(refused({ OTEL_TRACES_EXPORTER: 'zipkin' })).toEqual(['OTEL_TRACES_EXPORTER']);
    expect(refused({ OTEL_TRACES_EXPORTER: 'none,otlp' })).toEqual(['OTEL_TRACES_EXPORTER']);
    expect(refused({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toEqual(['OTEL_EXPORTER_OTLP_PROTOCOL']);
    expect(refused({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toEqual(['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']);
    expect(refused({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toEqual(['OTEL_EXPORTER_OTLP_ENDPOINT']);
    expect(refused({ OTEL_TRACES_SAMPLER: 'sometimes' })).toEqual(['OTEL_TRACES_SAMPLER']);
    expect(refused({ OTEL_TRACES_SAMPLER_ARG: '2' })).toEqual(['OTEL_TRACES_SAMPLER_ARG']);
    expect(refused({ OTEL_SDK_DISABLED: 'yes' })).toEqual(['OTEL_SDK_DISABLED']);
    expect(refused({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization' })).toEqual(['OTEL_EXPORTER_OTLP_HEADERS']);
  });
});
