/**
 * The server's Prometheus metrics (prom-client): what they are called, their labels and buckets,
 * and the application's Telemetry (packages/api/src/telemetry.ts) written as prom-client calls.
 * Serving them, and timing requests, is plugins/metrics.ts's.
 *
 * prom-client is imported here only, and only when metrics are configured (createMetrics is the
 * way in): a server without metrics never loads it. Each app gets its own registry, so that tests
 * may build several apps in one process.
 *
 * Label values come from small fixed sets (procedures the router has, routes, statuses, catalog
 * codes, endpoints, errcodes, limiter names, order states, outcomes): never an id, a user or a
 * free text, so the number of series stays bounded whatever clients send.
 */
import { DEFAULT_RATE_LIMITS, type BreakerState, type Telemetry } from '@app/api';
import type { PoolStats } from '@app/api/db';
import type * as PromClient from 'prom-client';
import type { Counter, Gauge, Histogram, LabelValues, Registry } from 'prom-client';

/** What the gauges read when Prometheus scrapes. */
interface MetricsSources {
  /** The database's connection pool; null: none (the embedded SQLite). */
  pool: () => PoolStats | null;
  /** Whether Redis is connected and ready; null: no Redis configured (no app_redis_up then). */
  redisUp: (() => boolean) | null;
  breakerState: () => BreakerState;
  /** Rate-limit decisions taken per instance while Redis was out (RateLimits.degradedDecisions). */
  degradedRateLimitDecisions: () => number;
}

export interface AppMetrics {
  /** The events of packages/api, counted. */
  readonly telemetry: Telemetry;
  /** One request (or one call of a tRPC batch): plugins/metrics.ts says what the labels hold. */
  observeRequest(procedure: string, status: number, appCode: string, seconds: number): void;
  /** Connects the gauges to what they read (once the services exist). */
  watch(sources: MetricsSources): void;
  /** The exposition, in Prometheus's text format. */
  scrape(): Promise<string>;
  readonly contentType: string;
}

/** Request durations: from a cached read (~1 ms) to the WeChat budget (6 s) and beyond. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** WeChat's answers: tens of milliseconds when well, up to the 5 s attempt timeout when not. */
const WECHAT_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The breaker's state as one number, so that an alert compares: closed 0, half-open 1, open 2. */
const BREAKER_LEVEL: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 2 };

/** The order counter's series that exist from the start (createMetrics's counter() says why). */
const ORDER_TRANSITIONS: ReadonlyArray<[string, string]> = [
  ['PENDING_PAYMENT', 'CREATED'],
  ['PAID', 'WECHATPAY_NOTIFY'],
  ['PAID', 'WECHATPAY_QUERY'],
  ['CLOSED', 'CANCELLED'],
  ['CLOSED', 'TIMEOUT'],
  ['REFUNDING', 'USER_REQUEST'],
];

export async function createMetrics(options: { version: string }): Promise<AppMetrics> {
  const prom = await import('prom-client');
  const registry: Registry = new prom.Registry();
  const registers = [registry];
  // Node's own: event-loop lag (with percentiles since the last scrape), heap, GC pauses, handles, CPU.
  prom.collectDefaultMetrics({ register: registry });

  /**
   * A counter of this registry. `zeroes`: series that exist from the start at 0, because
   * Prometheus's increase() cannot see the first event of a series that appears with it, so alerts
   * on these counters would miss it.
   */
  function counter<L extends string>(options: {
    name: string;
    help: string;
    labelNames: readonly L[];
    zeroes?: ReadonlyArray<LabelValues<L>>;
  }): Counter<L> {
    const created = new prom.Counter<L>({ name: options.name, help: options.help, labelNames: options.labelNames, registers });
    for (const labels of options.zeroes ?? []) created.inc(labels, 0);
    return created;
  }

  new prom.Gauge({ name: 'app_info', help: 'Always 1; the running version as a label.', labelNames: ['version'], registers }).set(
    { version: options.version },
    1,
  );

  const requests: Histogram<'procedure' | 'status' | 'app_code'> = new prom.Histogram({
    name: 'app_request_duration_seconds',
    help:
      'Requests by procedure (the tRPC path; the route for other requests), HTTP status and app_code (OK when it succeeded), ' +
      'and how long they took. A tRPC batch counts once per call in it, each with the duration of the whole HTTP request.',
    labelNames: ['procedure', 'status', 'app_code'],
    buckets: REQUEST_BUCKETS,
    registers,
  });

  const wechatCalls: Histogram<'endpoint' | 'errcode'> = new prom.Histogram({
    name: 'app_wechat_call_duration_seconds',
    help:
      "Calls to WeChat's server API (each attempt) by endpoint and errcode (0: success; connect, network, timeout or http: no usable answer), " +
      'and how long they took.',
    labelNames: ['endpoint', 'errcode'],
    buckets: WECHAT_BUCKETS,
    registers,
  });
  const breakerTransitions = counter({
    name: 'app_wechat_breaker_transitions_total',
    help: "Moves of the WeChat client's circuit breaker, by the state it moved to.",
    labelNames: ['to'],
    zeroes: ['open', 'half-open', 'closed'].map((to) => ({ to })),
  });
  const tokenRefreshes = counter({
    name: 'app_wechat_access_token_refreshes_total',
    help: 'WeChat access tokens this instance fetched (forced: WeChat had rejected the token stable_token still handed out).',
    labelNames: ['forced'],
    zeroes: [{ forced: 'false' }, { forced: 'true' }],
  });

  const rateLimited = counter({
    name: 'app_rate_limit_rejections_total',
    help: 'Requests refused by a rate limit (RATE_LIMITED), by limiter.',
    labelNames: ['limiter'],
    zeroes: Object.keys(DEFAULT_RATE_LIMITS).map((limiter) => ({ limiter })),
  });

  const orderTransitions = counter({
    name: 'app_order_transitions_total',
    help:
      'Orders moved to a state (PENDING_PAYMENT: created; PAID, CLOSED, REFUNDING, REFUNDED), by the reason order_events records, ' +
      'counted once the change committed.',
    labelNames: ['to', 'reason'],
    zeroes: ORDER_TRANSITIONS.map(([to, reason]) => ({ to, reason })),
  });
  const notifications = counter({
    name: 'app_payment_notifications_total',
    help: 'WeChat Pay notifications received, by kind (transaction, refund, unread) and what they did.',
    labelNames: ['kind', 'outcome'],
  });

  const telemetry: Telemetry = {
    wechatCall: (endpoint, result, durationMs) => wechatCalls.observe({ endpoint, errcode: String(result) }, durationMs / 1000),
    breakerTransition: (state) => breakerTransitions.inc({ to: state }),
    tokenRefresh: (forced) => tokenRefreshes.inc({ forced: String(forced) }),
    rateLimited: (limiter) => rateLimited.inc({ limiter }),
    orderTransition: (to, reason, count = 1) => orderTransitions.inc({ to, reason }, count),
    paymentNotification: (kind, outcome) => notifications.inc({ kind, outcome }),
  };

  // Children by their labels' values: a request's observation then skips prom-client's label
  // hashing (it sorts the label names of every call).
  const requestSeries = new Map<string, { observe(value: number): void }>();

  return {
    telemetry,
    contentType: registry.contentType,
    observeRequest(procedure, status, appCode, seconds) {
      const key = `${procedure} ${status} ${appCode}`;
      let series = requestSeries.get(key);
      if (series === undefined) {
        series = requests.labels({ procedure, status, app_code: appCode });
        requestSeries.set(key, series);
      }
      series.observe(seconds);
    },
    watch(sources) {
      watchSources(prom, registers, sources);
    },
    scrape: () => registry.metrics(),
  };
}

/** The gauges (and one counter) read at scrape time. */
function watchSources(prom: typeof PromClient, registers: Registry[], sources: MetricsSources): void {
  new prom.Gauge({
    name: 'app_wechat_breaker_state',
    help: "The WeChat client's circuit breaker: 0 closed, 1 half-open (one trial call), 2 open (calls fail at once).",
    registers,
    collect() {
      this.set(BREAKER_LEVEL[sources.breakerState()]);
    },
  });
  let degradedReported = 0;
  new prom.Counter({
    name: 'app_rate_limit_degraded_decisions_total',
    help: 'Rate-limit decisions this instance took on its own while Redis was out (limits then hold per instance).',
    registers,
    collect() {
      const now = sources.degradedRateLimitDecisions();
      if (now > degradedReported) this.inc(now - degradedReported);
      degradedReported = now;
    },
  });
  const pool = (read: (stats: PoolStats) => number) =>
    function (this: Gauge) {
      const stats = sources.pool();
      this.set(stats === null ? 0 : read(stats));
    };
  new prom.Gauge({
    name: 'app_db_pool_connections_max',
    help: 'Most connections the MySQL pool opens (DB_POOL_SIZE); 0 on the embedded SQLite.',
    registers,
    collect: pool((stats) => stats.max),
  });
  new prom.Gauge({
    name: 'app_db_pool_connections_in_use',
    help: 'MySQL connections lent to a query or transaction now; 0 on the embedded SQLite.',
    registers,
    collect: pool((stats) => stats.inUse),
  });
  new prom.Gauge({
    name: 'app_db_pool_requests_waiting',
    help: 'Queries and transactions waiting for a MySQL connection; 0 on the embedded SQLite.',
    registers,
    collect: pool((stats) => stats.waiting),
  });
  const { redisUp } = sources;
  if (redisUp !== null) {
    new prom.Gauge({
      name: 'app_redis_up',
      help: 'Whether Redis is connected and ready (1) or not (0); absent without REDIS_URL.',
      registers,
      collect() {
        this.set(redisUp() ? 1 : 0);
      },
    });
  }
}
