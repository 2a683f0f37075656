import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the current window ends. */
  resetSeconds: number;
}

/**
 * Fixed one-minute windows per principal, counted with one upsert in
 * PostgreSQL on the database clock, so every replica shares the same budget.
 */
@Injectable()
export class RateLimitService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    return this.config.rateLimitPerMinute > 0;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    // Old windows are useless; any replica may delete them.
    this.sweeper = setInterval(() => {
      this.prisma.pg.query(`DELETE FROM rate_limit_counters WHERE "windowStart" < now() - interval '2 minutes'`).catch(() => undefined);
    }, 60_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  async hit(principalId: string): Promise<RateDecision> {
    const limit = this.config.rateLimitPerMinute;
    const { rows } = await this.prisma.pg.query<{ count: number; reset: number }>(
      `INSERT INTO rate_limit_counters ("principalId", "windowStart", count)
       VALUES ($1, date_trunc('minute', now()), 1)
       ON CONFLICT ("principalId", "windowStart") DO UPDATE SET count = rate_limit_counters.count + 1
       RETURNING count, ceil(extract(epoch FROM (date_trunc('minute', now()) + interval '1 minute' - now())))::int AS reset`,
      [principalId],
    );
    const { count, reset } = rows[0];
    return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds: Math.max(1, reset) };
  }
}
