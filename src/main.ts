import { Logger } from '@nestjs/common';
import { createApp, bootLogger } from './app.factory';
import { ConfigError, loadConfig } from './config/config';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { migrate } from './database/migrator';
import { ReadinessState } from './health/readiness.state';
import { bootstrapLogger } from './logging/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Invalid configuration: ${e.message}`);
      process.exit(78);
    }
    throw e;
  }
  // JSON lines from the first message on; the app swaps in its request-aware logger.
  Logger.overrideLogger(bootstrapLogger(config.logLevel));
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!config.databaseUrl) {
    bootLogger.log(`DATABASE_URL not set: starting embedded PostgreSQL in ${config.dataDir}`);
    const db = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
    config = { ...config, databaseUrl: db.url };
    stopEmbedded = db.stop;
  }
  await migrate(config.databaseUrl!, (m) => bootLogger.log(m));
  const app = await createApp(config);
  if (stopEmbedded) {
    const stop = stopEmbedded;
    process.once('beforeExit', () => void stop());
  }
  await app.listen(config.port);
  bootLogger.log(`Lite Server control plane listening on :${config.port} (provider ${config.provider}, instance ${config.instanceId})`);
  const shutdown = async (signal: string) => {
    bootLogger.log(`${signal}: shutting down (worker stops claiming, in-flight operations finish or are released, then the database closes)`);
    // Never hang forever on a stuck dependency.
    setTimeout(() => {
      bootLogger.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 15_000).unref();
    app.get(ReadinessState).startDraining();
    await app.close();
    await stopEmbedded?.();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e) => {
  bootLogger.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
