/**
 * `npm run db:seed`: the demo catalog (packages/api, demo-catalog.ts) into the configured database,
 * its pictures into UPLOAD_DIR. Only into an empty products table: a second run changes nothing.
 * For development (`npm run dev` runs it), the e2e stack and a demo container (`seed` command).
 */
import { LocalDiskStorage, seedDemoCatalog } from '@app/api';
import { createDatabase, dialectOfUrl } from '@app/api/db';
import { loadConfig } from '../config';
import { loadEnvFile } from '../env-file';
import { runCli } from './run-cli';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'Usage: npm run db:seed\n\nLoads the demo catalog into DATABASE_URL (after db:migrate up) when it has no products yet.\n',
    );
    return 0;
  }
  loadEnvFile();
  const config = loadConfig();
  const db = createDatabase({ url: config.database.url });
  try {
    const added = await seedDemoCatalog(db, new LocalDiskStorage(config.uploads.dir), new Date());
    process.stdout.write(
      added > 0
        ? `[db:seed] ${added} demo products added (${dialectOfUrl(config.database.url)}; pictures in ${config.uploads.dir})\n`
        : '[db:seed] the catalog already has products: nothing to do\n',
    );
    return 0;
  } finally {
    await db.destroy();
  }
}

runCli('db:seed', main);
