/**
 * Steady load from this process: `workers` loops, each making one request after another, until
 * stopped; every answer recorded with its status, app code and latency, so a scenario can count
 * them by kind and phase.
 */
export interface Outcome {
  /** HTTP status; 0 when the request got no answer (connection refused or reset). */
  status: number;
  /** The coded error's appCode, 'ok', or 'uncoded' for an error answer without one. */
  code: string;
  latencyMs: number;
  /** When it started, in ms since the load started. */
  atMs: number;
  /** What the request was about, as the scenario's request function says. */
  tag: string;
}

export interface Answer {
  status: number;
  code: string;
  tag?: string;
}

/** The app code of an answer body: tRPC's error shape (superjson) or the server's coded HTTP error. */
export function appCodeOf(status: number, body: unknown): string {
  if (status >= 200 && status < 300) return 'ok';
  const item = (Array.isArray(body) ? body[0] : body) as
    { error?: { appCode?: unknown; json?: { data?: { appCode?: unknown } } } } | undefined;
  const code = item?.error?.appCode ?? item?.error?.json?.data?.appCode;
  return typeof code === 'string' ? code : 'uncoded';
}

export class Load {
  readonly #outcomes: Outcome[] = [];
  #running = true;
  readonly #started = performance.now();
  readonly #workers: Promise<void>[];

  constructor(workers: number, request: (worker: number, sequence: number) => Promise<Answer>) {
    this.#workers = Array.from({ length: workers }, async (_, worker) => {
      for (let sequence = 0; this.#running; sequence += 1) {
        const start = performance.now();
        const answer = await request(worker, sequence).catch((): Answer => ({ status: 0, code: 'no-answer' }));
        this.#outcomes.push({
          status: answer.status,
          code: answer.code,
          tag: answer.tag ?? '',
          latencyMs: performance.now() - start,
          atMs: start - this.#started,
        });
      }
    });
  }

  get elapsedMs(): number {
    return performance.now() - this.#started;
  }

  async stop(): Promise<Outcome[]> {
    this.#running = false;
    await Promise.all(this.#workers);
    return this.#outcomes;
  }
}

export function countBy(outcomes: readonly Outcome[], key: (outcome: Outcome) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[key(outcome)] = (counts[key(outcome)] ?? 0) + 1;
  return counts;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** One line of the suite's report (the figures the README quotes). */
export function report(scenario: string, figures: Record<string, unknown>): void {
  process.stdout.write(`[faults] ${scenario}: ${JSON.stringify(figures)}\n`);
}
