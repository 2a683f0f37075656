import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { APP_CONFIG, AppConfig } from '../config/config';

export type Tx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** Prisma 7 over a node-postgres pool. The same pool serves raw SQL where
 *  Prisma cannot express a statement (SKIP LOCKED claims, advisory locks). */
@Injectable()
export class PrismaService extends PrismaClient implements OnApplicationShutdown {
  readonly pg: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const pool = new Pool({ connectionString: config.databaseUrl, max: 20, connectionTimeoutMillis: 5_000 });
    // An idle client that loses its server must not crash the process.
    pool.on('error', () => undefined);
    super({
      adapter: new PrismaPg(pool),
      transactionOptions: { maxWait: 10_000, timeout: 20_000 },
    });
    this.pg = pool;
  }

  // Last of the shutdown hooks, so workers can finish their writes first.
  async onApplicationShutdown(): Promise<void> {
    await this.$disconnect();
    await this.pg.end().catch(() => undefined);
  }
}
