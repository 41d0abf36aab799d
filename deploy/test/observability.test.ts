/**
 * The example alert rules and Grafana dashboard (deploy/observability/): the rules pass
 * `promtool check rules` and their unit tests (`promtool test rules`), the dashboard's queries are
 * valid PromQL, and every metric either names is one the server exports: the production bundle
 * (apps/server/dist, which turbo builds before this suite) is started with metrics on and scraped.
 * promtool comes from Debian's prometheus package, which `npm run setup` installs: without it these
 * tests fail, saying so, rather than skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, inheritedEnv, TEST_REDIS_URL, waitUntil } from '@app/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';

const root = join(import.meta.dirname, '../..');
const observability = join(root, 'deploy/observability');
const serverEntry = join(root, 'apps/server/dist/main.mjs');

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}
interface Dashboard {
  uid: string;
  templating: { list: Array<{ name: string; type: string; query?: string | { query: string } }> };
  panels: Array<{ id: number; type: string; title: string; targets?: Array<{ expr: string; refId: string }> }>;
}

const rules = parse(readFileSync(join(observability, 'alerts.yml'), 'utf8')) as RuleFile;
const dashboard = JSON.parse(readFileSync(join(observability, 'grafana-dashboard.json'), 'utf8')) as Dashboard;

function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: observability, encoding: 'utf8' });
  if (run.error && 'code' in run.error && run.error.code === 'ENOENT') {
    throw new Error('promtool is not installed: `npm run setup` installs it (Debian package prometheus)');
  }
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Words of PromQL that are not metric names. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: its identifiers once strings, label matchers,
 * ranges and label lists are taken out, less function names (followed by a parenthesis),
 * keywords and numbers.
 */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.$])[A-Za-z_:][\w:]*/g)) {
    const after = stripped.slice((match.index ?? 0) + match[0].length);
    if (/^\s*\(/.test(after) || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** Grafana's `label_values(<selector>, <label>)`: the selector's metric. */
function templateQueryNames(query: string): string[] {
  const match = /^label_values\((.+),\s*\w+\s*\)$/.exec(query.trim());
  return match?.[1] ? metricNamesIn(match[1]) : [];
}

const dashboardQueries = dashboard.panels.flatMap((panel) =>
  (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
);

/** Every metric the rules and the dashboard name, with where. */
function referencedMetrics(): Map<string, string[]> {
  const where = new Map<string, string[]>();
  const add = (name: string, place: string) => where.set(name, [...(where.get(name) ?? []), place]);
  for (const rule of rules.groups.flatMap((group) => group.rules)) {
    for (const name of metricNamesIn(rule.expr)) add(name, `alerts.yml ${rule.alert ?? rule.record}`);
  }
  for (const { panel, expr } of dashboardQueries) for (const name of metricNamesIn(expr)) add(name, `dashboard "${panel}"`);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (variable.type === 'query' && query) for (const name of templateQueryNames(query)) add(name, `dashboard variable $${variable.name}`);
  }
  return where;
}

/** The sample names an exposition's `# TYPE` lines declare (a histogram's _bucket, _sum and _count). */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (name === undefined) continue;
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(`${name}${suffix}`);
    else names.add(name);
  }
  return names;
}

/** What the rules and dashboard name that `exported` lacks, with where each is named. */
function missingMetrics(exported: Set<string>): Array<[string, string[]]> {
  return [...referencedMetrics()].filter(([name]) => !exported.has(name));
}

describe('alerts.yml', () => {
  it('passes promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', 'alerts.yml']);
    expect(output, output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('passes its unit tests (alerts.test.yml): each alert fires on its case, and not before', () => {
    const { status, output } = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(status, output).toBe(0);
    const tested = new Set(
      [...readFileSync(join(observability, 'alerts.test.yml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]),
    );
    expect([...tested].sort()).toEqual(rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert)).sort());
  });

  it('the check can fail: promtool refuses a broken expression', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rules-'));
    try {
      writeFileSync(
        join(dir, 'broken.yml'),
        stringify({ groups: [{ name: 'x', rules: [{ alert: 'Broken', expr: 'sum(rate(app_info[5m])' }] }] }),
      );
      expect(promtool(['check', 'rules', join(dir, 'broken.yml')]).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('grafana-dashboard.json', () => {
  it('has unique panel ids, a Prometheus data source variable, and a query in every panel that is not a row', () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.templating.list.find((variable) => variable.name === 'datasource')?.type).toBe('datasource');
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
  });

  it('queries valid PromQL (promtool checks each query as a recording rule)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboard-rules-'));
    try {
      // Grafana's interval variables are durations to Prometheus.
      const asRules = dashboardQueries.map(({ expr }, index) => ({
        record: `dashboard:query_${index}`,
        expr: expr.replace(/\$__(rate_interval|interval|range)/g, '5m'),
      }));
      writeFileSync(join(dir, 'dashboard.yml'), stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
      const { status, output } = promtool(['check', 'rules', join(dir, 'dashboard.yml')]);
      expect(status, output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metric names in the rules and the dashboard', () => {
  let server: ChildProcess;
  let output = '';
  let exposition: string;

  beforeAll(async () => {
    if (!existsSync(serverEntry))
      throw new Error('apps/server/dist is missing: npm run build --workspace @app/server (turbo builds it before this suite)');
    const metricsPort = await freePort();
    // Metrics on, and everything that adds metrics: Redis (app_redis_up). The database is an empty
    // in-memory SQLite and WeChat unreachable: the scrape needs neither.
    server = spawn(process.execPath, [serverEntry], {
      env: inheritedEnv({
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        DATABASE_URL: 'sqlite::memory:',
        REDIS_URL: TEST_REDIS_URL,
        WECHAT_API_BASE_URL: 'http://127.0.0.1:9',
        METRICS_PORT: String(metricsPort),
        ORDER_SWEEP_INTERVAL_MS: '600000',
        JOB_INTERVAL_MS: '600000',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitUntil('the bundled server', async () => (await fetch(url)).ok, server, 20_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${output}`);
    });
    exposition = await (await fetch(url)).text();
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = once(server, 'exit');
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('finds metric names in PromQL (and only them)', () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.99, sum by (job, le) (rate(app_x_bucket{procedure!~"/healthz|a_b"}[5m]))) / ignoring(le) b_total offset 1m > 1e3',
      ),
    ).toEqual(['app_x_bucket', 'b_total']);
    expect(templateQueryNames('label_values(app_info{job=~"$job"}, instance)')).toEqual(['app_info']);
  });

  it('every metric the rules and the dashboard name is one the bundled server exports', () => {
    const referenced = referencedMetrics();
    // Each family of the server's metrics is on the dashboard.
    expect([...referenced.keys()].length).toBeGreaterThan(15);
    expect(missingMetrics(exportedNames(exposition)), output).toEqual([]);
  });

  it('the check can fail: a name the server does not export is reported, with where it is used', () => {
    const exported = exportedNames(exposition);
    exported.delete('app_redis_up');
    expect(missingMetrics(exported)).toEqual([['app_redis_up', ['alerts.yml RedisDown', 'dashboard "Redis up"']]]);
  });
});
