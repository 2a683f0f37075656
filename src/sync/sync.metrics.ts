import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';

/** The poller's Prometheus metrics, registered on the application registry. */
@Injectable()
export class SyncMetrics {
  readonly sweepDuration: Histogram;
  readonly checked: Counter;
  readonly driftFound: Counter;
  readonly driftRepaired: Counter;
  readonly providerErrors: Counter;
  /** Database writes made by the poller, by kind: what the benchmark reports. */
  readonly dbWrites: Counter;

  constructor(metrics: MetricsService) {
    this.sweepDuration = metrics.histogram('sync_sweep_duration_seconds', 'Duration of one status-sync sweep over the due servers', [], [0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300]);
    this.checked = metrics.counter('sync_servers_checked_total', 'Servers examined by the status-sync poller, by outcome', ['outcome']);
    this.driftFound = metrics.counter('sync_drift_found_total', 'Drift observed between console and hardware, by kind', ['kind']);
    this.driftRepaired = metrics.counter('sync_drift_repaired_total', 'Drift acted on, by kind and policy (OBSERVE only reports)', ['kind', 'policy']);
    this.providerErrors = metrics.counter('sync_provider_errors_total', 'Failed hardware calls during sweeps, by call and error code', ['call', 'code']);
    this.dbWrites = metrics.counter('sync_db_writes_total', 'Database write statements issued by the poller, by kind', ['kind']);
  }
}
