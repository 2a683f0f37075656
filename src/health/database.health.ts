import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { PrismaService } from '../database/prisma.service';
import { pendingMigrations } from '../database/migrator';

const PROBE_TIMEOUT_MS = 3_000;

function bounded<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS))),
  ]);
}

/** Terminus indicators: the database answers, and every migration in this build is applied. */
@Injectable()
export class DatabaseHealth {
  constructor(
    private readonly prisma: PrismaService,
    private readonly health: HealthIndicatorService,
  ) {}

  async database() {
    const check = this.health.check('database');
    try {
      await bounded(this.prisma.pg.query('SELECT 1'));
      return check.up();
    } catch (e) {
      return check.down({ message: `unreachable: ${(e as Error).message || (e as { code?: string }).code || 'error'}` });
    }
  }

  async migrations() {
    const check = this.health.check('migrations');
    try {
      const pending = await bounded(pendingMigrations(async (sql) => (await this.prisma.pg.query(sql)).rows));
      return pending.length ? check.down({ message: 'pending migrations', pending }) : check.up();
    } catch (e) {
      return check.down({ message: `cannot read migrations: ${(e as Error).message}` });
    }
  }
}
