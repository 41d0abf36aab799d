/**
 * The bundled production server (apps/server/dist) as its own process, as deployed: migrated
 * first, NODE_ENV=production, configured by its environment. Its output is kept for the report.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { repoRoot } from '../../fixtures/stack-config';
import { freePort, inheritedEnv, waitUntil } from '@app/test-support';

const dist = path.join(repoRoot, 'apps/server/dist');

const PRODUCTION_SECRETS = {
  JWT_SECRET: 'faults-jwt-secret-7d1c0e9a2b4f6a8c0e1d3f5a7b9c1d3e',
  SESSION_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 0xfa).toString('base64'),
};

export class ServerProcess {
  #child: ChildProcess;
  #output = '';
  readonly exited: Promise<{ code: number | null; atMs: number }>;

  private constructor(
    child: ChildProcess,
    readonly url: string,
  ) {
    this.#child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
    this.exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, atMs: performance.now() }));
  }

  static async start(env: Record<string, string>): Promise<ServerProcess> {
    const port = await freePort();
    const full = inheritedEnv({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      ...PRODUCTION_SECRETS,
      ...env,
    });
    execFileSync(process.execPath, [path.join(dist, 'migrate.mjs'), 'up'], { env: full, stdio: 'ignore' });
    const child = spawn(process.execPath, [path.join(dist, 'main.mjs')], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child, `http://127.0.0.1:${port}`);
    await waitUntil('the server', async () => (await fetch(`${server.url}/healthz`)).ok, child).catch((error: Error) => {
      throw new Error(`${error.message}: ${server.output}`);
    });
    return server;
  }

  get output(): string {
    return this.#output;
  }

  /** The JSON log lines with this message. */
  logLines(message: string): Array<Record<string, unknown>> {
    return this.#output
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === message);
  }

  signal(signal: NodeJS.Signals): number {
    this.#child.kill(signal);
    return performance.now();
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGTERM');
    await this.exited;
  }
}
