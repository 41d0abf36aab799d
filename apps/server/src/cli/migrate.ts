/**
 * Database migrations: `npm run db:migrate -- up|down|status`.
 * Uses the server's configuration, so DATABASE_URL (or the SQLite default) is the server's.
 */
import { createDatabase, dialectOfUrl, migrateDown, migrateToLatest, migrationStatus } from '@app/api/db';
import { loadConfig } from '../config';
import { loadEnvFile } from '../env-file';
import { runCli } from './run-cli';

const USAGE = `Usage: npm run db:migrate -- <command>

Commands:
  up       apply every pending migration
  down     revert the most recent migration
  status   list migrations and when each was applied

The database is DATABASE_URL (mysql://… or sqlite:<file>); unset, the embedded SQLite file.`;

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (!['up', 'down', 'status'].includes(command)) {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
    return 2;
  }

  loadEnvFile();
  const config = loadConfig();
  const url = config.database.url;
  const db = createDatabase({ url });
  const started = performance.now();
  try {
    process.stdout.write(`[db:migrate] ${command} on ${dialectOfUrl(url)} ${redactUrl(url)}\n`);
    if (command === 'up') {
      const applied = await migrateToLatest(db);
      for (const name of applied) process.stdout.write(`  applied  ${name}\n`);
      process.stdout.write(applied.length === 0 ? '  already up to date\n' : `  ${applied.length} applied\n`);
    } else if (command === 'down') {
      const reverted = await migrateDown(db);
      process.stdout.write(reverted ? `  reverted ${reverted}\n` : '  nothing to revert\n');
    } else {
      for (const m of await migrationStatus(db)) {
        process.stdout.write(
          `  ${m.executedAt ? `applied ${m.executedAt.toISOString()}` : 'pending                         '}  ${m.name}\n`,
        );
      }
    }
    process.stdout.write(`[db:migrate] done in ${Math.round(performance.now() - started)} ms\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}

runCli('db:migrate', main);
