/**
 * Throwaway MariaDB and Redis instances of the fault suite's own, on free ports in a temporary
 * folder: the suite kills and restarts them, so it never touches the machine's shared services.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort, inheritedEnv, waitUntil } from '@app/test-support';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';

/** Debian installs mariadbd in /usr/sbin, which a user's PATH lacks (scripts/setup.sh looks there too). */
const inherited = inheritedEnv();
const WITH_SBIN = { ...inherited, PATH: `${inherited.PATH}:/usr/sbin` };

async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A MariaDB of the suite's own: `url` is a database on it (root, no password, grants skipped). */
export class PrivateMariaDb {
  #child: ChildProcess | null = null;
  readonly url: string;
  readonly #dataDir: string;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.#dataDir = path.join(dir, 'mysql');
    this.url = `mysql://root@127.0.0.1:${port}/app`;
  }

  static async create(dir: string): Promise<PrivateMariaDb> {
    mkdirSync(dir, { recursive: true });
    const server = new PrivateMariaDb(dir, await freePort());
    execFileSync(
      'mariadb-install-db',
      ['--no-defaults', `--datadir=${server.#dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--user=root'],
      { stdio: 'ignore' },
    );
    await server.start();
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: server.port, user: 'root' });
    await admin.query('CREATE DATABASE app CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    await admin.end();
    return server;
  }

  async start(): Promise<void> {
    const child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${this.#dataDir}`,
        `--socket=${path.join(this.dir, 'mysqld.sock')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        '--skip-grant-tables',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=32M',
        `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
        `--log-error=${path.join(this.dir, 'mysqld.log')}`,
      ],
      { stdio: 'ignore', env: WITH_SBIN },
    );
    this.#child = child;
    await waitUntil(
      'MariaDB',
      async () => {
        const connection = await mysql.createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 500 });
        await connection.end();
        return true;
      },
      child,
    );
  }

  /** As a crash: SIGKILL, no shutdown. */
  kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    return stopChild(child, 'SIGKILL');
  }

  async query<T>(sql: string, values: unknown[] = []): Promise<T[]> {
    const connection = await mysql.createConnection({ uri: this.url });
    try {
      const [rows] = await connection.query(sql, values);
      return rows as T[];
    } finally {
      await connection.end();
    }
  }

  stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    return stopChild(child, 'SIGTERM');
  }
}

/** A Redis of the suite's own, keeping nothing on disk (a restart loses every key, as in production without persistence). */
export class PrivateRedis {
  #child: ChildProcess | null = null;
  readonly url: string;

  private constructor(readonly port: number) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async create(): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort());
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.#child = child;
    await waitUntil(
      'Redis',
      async () => {
        const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      },
      child,
    );
  }

  kill(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    return stopChild(child, 'SIGKILL');
  }

  /** A hang, not a crash: the connections stay open and nothing answers (SIGSTOP; resume with SIGCONT). */
  pause(paused: boolean): void {
    this.#child?.kill(paused ? 'SIGSTOP' : 'SIGCONT');
  }

  stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    return stopChild(child, 'SIGTERM');
  }
}
