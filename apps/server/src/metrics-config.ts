/**
 * The Prometheus endpoint's configuration, from the METRICS_* variables (documented in
 * .env.example). Metrics are off unless METRICS_PORT or METRICS_TOKEN is set. /metrics is never
 * open on the public port: either it has a port of its own (METRICS_PORT, on METRICS_HOST), which
 * the public load balancer does not forward, or it sits on the public port behind a bearer token
 * (METRICS_TOKEN), which then guards it on its own port too. In production the token must be a
 * real secret: not short, not a placeholder. Each problem names its variable, never its value.
 */
import { secretProblem, type ConfigProblem } from './secrets';

/** The variables, as loadConfig's schema declares them. */
interface MetricsVariables {
  METRICS_PORT?: number | undefined;
  METRICS_HOST?: string | undefined;
  METRICS_TOKEN?: string | undefined;
  PORT: number;
  HOST: string;
}

export interface MetricsSettings {
  /** A port of its own for /metrics; null: on the public port, behind the token. */
  port: number | null;
  /** Where that port listens (METRICS_HOST, else HOST). */
  host: string;
  /** Required as `Authorization: Bearer <token>`; null: no token (only with a port of its own). */
  token: string | null;
}

export function metricsSettings(
  env: MetricsVariables,
  options: { production: boolean },
): { settings: MetricsSettings | null; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const port = env.METRICS_PORT ?? null;
  const token = env.METRICS_TOKEN ?? null;
  if (port === null && env.METRICS_HOST !== undefined) {
    problems.push({ variable: 'METRICS_HOST', message: 'is used only with METRICS_PORT (set it, or unset METRICS_HOST)' });
  }
  if (port !== null && port !== 0 && port === env.PORT) {
    problems.push({ variable: 'METRICS_PORT', message: 'must differ from PORT: metrics are never served on the public port' });
  }
  // Optional, but a real secret when set in production, checked as the other secrets are (config.ts).
  const tokenProblem = token !== null && options.production ? secretProblem('METRICS_TOKEN', token) : null;
  if (tokenProblem) problems.push(tokenProblem);
  if (port === null && token === null) return { settings: null, problems };
  return { settings: { port, host: env.METRICS_HOST ?? env.HOST, token }, problems };
}
