/** `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the
 *  embedded database under DATA_DIR when DATABASE_URL is unset. */
import { loadConfig } from '../config/config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { migrate } from './migrator';

async function main(): Promise<void> {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
  try {
    const applied = await migrate(config.databaseUrl ?? embedded!.url, (m) => console.log(m));
    console.log(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
  } finally {
    await embedded?.stop();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
