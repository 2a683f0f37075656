import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { PrismaService } from '../database/prisma.service';
import { MetricsService } from './metrics.service';

/** Operations finished by type and outcome (counted by this replica's worker),
 *  and the fleet-wide queue depth, read from the database on each scrape. */
@Injectable()
export class OperationMetrics {
  private readonly finished: Counter;

  constructor(metrics: MetricsService, prisma: PrismaService) {
    this.finished = metrics.counter('operations_finished_total', 'Operations finished by this replica, by type and outcome', ['type', 'outcome']);
    new Gauge({
      name: 'operations_queue_depth',
      help: 'Operations waiting (PENDING) or in progress (RUNNING), all replicas',
      labelNames: ['status'],
      registers: [metrics.registry],
      async collect() {
        // A database outage keeps the last values rather than failing the scrape.
        const rows = await prisma.pg
          .query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM operations WHERE status IN ('PENDING', 'RUNNING') GROUP BY status`)
          .then((r) => r.rows)
          .catch(() => undefined);
        if (!rows) return;
        for (const s of ['PENDING', 'RUNNING']) this.set({ status: s }, rows.find((r) => r.status === s)?.n ?? 0);
      },
    });
  }

  finishedOne(type: string, outcome: 'SUCCEEDED' | 'FAILED'): void {
    this.finished.inc({ type, outcome });
  }
}
