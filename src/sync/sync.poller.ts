import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { systemPrincipal } from '../auth/principal';
import { AuditWriter } from '../audit/audit.writer';
import { DomainError } from '../common/errors';
import { newRequestId } from '../common/ids';
import type { RequestContext } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { FaultsService } from '../maintenance/faults.service';
import { OperationsService } from '../operations/operations.service';
import { INFRASTRUCTURE_PROVIDER, InfrastructureProvider, providerErrorCode, withTimeout, Health } from '../providers/provider.interface';
import type { PowerState } from '../servers/server.state-machine';
import { ServerReconciler, SYNC_ACTOR } from './server.reconciler';
import { SyncMetrics } from './sync.metrics';
import { judge, Observation, shouldCheck, SyncSubject, Verdict } from './sync.policy';

/** A claimed server: the console record, its pool's policy and the poller's bookkeeping. */
interface Claimed extends SyncSubject {
  serverId: string;
  version: number;
}

export interface SweepStats {
  claimed: number;
  checked: number;
  skipped: number;
  unreachable: number;
  driftFound: number;
  repaired: number;
  durationMs: number;
}

/** Claim this many at a time; refill when the local queue runs low. */
const BATCH_FACTOR = 4;
/** Batched `lastSyncedAt` updates are flushed at this size (and at the end of a sweep). */
const SYNCED_FLUSH = 500;

/**
 * The background status-sync poller. Each sweep claims due servers from
 * `sync_states` with FOR UPDATE SKIP LOCKED on the database clock, pushing
 * their next check one interval ahead, so replicas share the fleet and each
 * server is checked at most once per interval; a dead replica's claims simply
 * come due again. Checks run with bounded concurrency and per-call timeouts.
 * A server without drift costs no write except the batched `lastSyncedAt`.
 */
@Injectable()
export class SyncPoller implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SyncPoller');
  private running = false;
  /** Set by stop(): a sweep in progress stops taking servers. */
  private stopping = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private synced: string[] = [];
  private readonly ctxPrincipal = systemPrincipal('status-sync', 'status sync');

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly reconciler: ServerReconciler,
    private readonly operations: OperationsService,
    private readonly faults: FaultsService,
    private readonly metrics: SyncMetrics,
    @Inject(INFRASTRUCTURE_PROVIDER) private readonly provider: InfrastructureProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.sync.enabled) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops claiming; checks in flight finish (each bounded by the call timeout). */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    await this.loop;
  }

  /** How often the loop looks for due servers: often enough that a check is late by at most a quarter interval. */
  private get tickMs(): number {
    return Math.max(25, Math.min(1000, Math.floor(this.config.sync.intervalMs / 4)));
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.sweep();
      } catch (e) {
        this.logger.warn(`sweep failed: ${(e as Error).message}`);
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.tickMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /**
   * One sweep: every server due at its start (database clock), checked once.
   * Public so tests and the benchmark can drive it directly.
   */
  async sweep(): Promise<SweepStats> {
    const started = Date.now();
    const stats: SweepStats = { claimed: 0, checked: 0, skipped: 0, unreachable: 0, driftFound: 0, repaired: 0, durationMs: 0 };
    await this.ensureStates();
    const { rows } = await this.prisma.pg.query<{ now: Date }>('SELECT now() AS now');
    const cutoff = rows[0].now;
    const concurrency = this.config.sync.concurrency;
    const batch = Math.max(16, concurrency * BATCH_FACTOR);
    const queue: Claimed[] = [];
    let exhausted = false;
    let claiming: Promise<void> | null = null;
    const refill = () =>
      (claiming ??= this.claim(batch, cutoff)
        .then((got) => {
          stats.claimed += got.length;
          queue.push(...got);
          if (got.length === 0) exhausted = true;
        })
        .finally(() => (claiming = null)));
    const next = async (): Promise<Claimed | undefined> => {
      for (;;) {
        if (this.stopping) return undefined;
        // Refill ahead of need so workers do not wait on the claim round trip.
        if (!exhausted && queue.length < concurrency) void refill().catch(() => undefined);
        const c = queue.shift();
        if (c) return c;
        if (exhausted) return undefined;
        await refill();
      }
    };
    const worker = async () => {
      for (let c = await next(); c; c = await next()) {
        try {
          await this.check(c, stats);
        } catch (e) {
          this.logger.warn(`sync of ${c.serverId} failed: ${(e as Error).message}`);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
      if (claiming) await claiming;
    } finally {
      await this.flushSynced();
      stats.durationMs = Date.now() - started;
      if (stats.claimed > 0) this.metrics.sweepDuration.observe(stats.durationMs / 1000);
    }
    return stats;
  }

  /** Every server gets its bookkeeping row (new servers are due at once). */
  async ensureStates(): Promise<void> {
    await this.prisma.pg.query(
      `INSERT INTO sync_states ("serverId")
       SELECT s.id FROM servers s WHERE NOT EXISTS (SELECT 1 FROM sync_states ss WHERE ss."serverId" = s.id)
       ON CONFLICT DO NOTHING`,
    );
  }

  /** Claims up to `limit` servers due by `cutoff`, pushing their next check one interval ahead. */
  async claim(limit: number, cutoff: Date | null = null): Promise<Claimed[]> {
    const intervalSecs = this.config.sync.intervalMs / 1000;
    const stuckSecs = this.config.sync.stuckAfterMs / 1000;
    const { rows } = await this.prisma.pg.query<Claimed>(
      `WITH claimed AS (
         UPDATE sync_states ss SET "nextSyncAt" = now() + make_interval(secs => $1::float8), "claimedBy" = $2, "lastCheckedAt" = now()
         WHERE ss."serverId" IN (
           SELECT "serverId" FROM sync_states WHERE "nextSyncAt" <= LEAST(now(), $3::timestamptz)
           ORDER BY "nextSyncAt" LIMIT $4 FOR UPDATE SKIP LOCKED)
         RETURNING ss.*)
       SELECT c."serverId", c."pendingDrift", c."pendingDriftCount", c."consecutiveFailures",
              s.status, s.task, s."statusReason", s.version, p."syncPolicy" AS policy,
              s."updatedAt" < now() - make_interval(secs => $5::float8) AS stale,
              EXISTS (SELECT 1 FROM operations o WHERE o."serverId" = s.id AND o.status IN ('PENDING', 'RUNNING') AND o.type <> 'SYNC') AS "liveOperation"
       FROM claimed c JOIN servers s ON s.id = c."serverId" JOIN pools p ON p.id = s."poolId"`,
      [intervalSecs, this.config.instanceId, cutoff, limit, stuckSecs],
    );
    this.metrics.dbWrites.inc({ kind: 'claim' });
    return rows;
  }

  /** Checks one claimed server and acts on what it finds. */
  private async check(c: Claimed, stats: SweepStats): Promise<void> {
    const gate = shouldCheck(c);
    if (!gate.check) {
      stats.skipped++;
      this.metrics.checked.inc({ outcome: 'skipped' });
      // An operation changes the picture: drift seen before it no longer counts.
      if (c.pendingDrift !== null) await this.saveState(c, { pendingDrift: null, pendingDriftCount: 0, consecutiveFailures: c.consecutiveFailures });
      return;
    }
    stats.checked++;
    const [power, health] = await Promise.allSettled([this.reconciler.readPower(c.serverId), this.readHealth(c.serverId)]);
    const obs: Observation = power.status === 'fulfilled' ? { ok: true, power: power.value } : { ok: false, error: this.providerError('power', power.reason) };
    if (health.status === 'rejected' && power.status === 'fulfilled') this.providerError('health', health.reason);
    if (health.status === 'fulfilled' && health.value.faults.length) {
      const fresh = await this.faults.recordObserved(c.serverId, health.value.faults, SYNC_ACTOR);
      if (fresh.length) this.metrics.driftFound.inc({ kind: 'HARDWARE_FAULT' }, fresh.length);
    }

    const verdict = judge(c, obs, this.config.sync);
    this.metrics.checked.inc({ outcome: !obs.ok ? 'unreachable' : verdict.found ? 'drift' : 'in_sync' });
    if (!obs.ok) stats.unreachable++;
    if (verdict.found) {
      stats.driftFound++;
      this.metrics.driftFound.inc({ kind: verdict.found });
    }
    const changed = verdict.act ? await this.act(c, verdict, obs, stats) : false;
    if (obs.ok && !changed) this.markSynced(c.serverId);
    if (verdict.pendingDrift !== c.pendingDrift || verdict.pendingDriftCount !== c.pendingDriftCount || verdict.consecutiveFailures !== c.consecutiveFailures) {
      await this.saveState(c, verdict, obs.ok ? obs.power : undefined);
    }
  }

  private readHealth(serverId: string): Promise<Health> {
    return withTimeout('health', this.config.sync.callTimeoutMs, this.provider.getHealth(serverId));
  }

  private providerError(call: string, e: unknown): string {
    const code = providerErrorCode(e);
    this.metrics.providerErrors.inc({ call, code });
    return `${code}: ${(e as Error)?.message ?? String(e)}`;
  }

  /** Applies (ADOPT/ENFORCE) or reports (OBSERVE) a verdict. True when the server row was written. */
  private async act(c: Claimed, v: Verdict, obs: Observation, stats: SweepStats): Promise<boolean> {
    const act = v.act!;
    const details = { drift: act.kind, policy: c.policy, recordedStatus: c.status, observedPower: obs.ok ? obs.power : null, error: obs.ok ? undefined : obs.error };
    if (!act.change) {
      await this.report(c, act.kind, act.report, details);
      this.metrics.driftRepaired.inc({ kind: act.kind, policy: c.policy });
      return false;
    }
    // Re-read: a user's action since the claim wins (and the CAS below would lose anyway).
    const server = await this.prisma.server.findUnique({ where: { id: c.serverId } });
    if (!server || server.version !== c.version) return false;
    const applied = await this.reconciler.apply(server, act.change.to, act.change.reason, {
      statusReason: act.change.statusReason,
      clearTask: act.change.clearTask,
      details,
    });
    this.metrics.dbWrites.inc({ kind: 'transition' });
    if (!applied) return false;
    stats.repaired++;
    this.metrics.driftRepaired.inc({ kind: act.kind, policy: c.policy });
    if (act.enforce) await this.enforce(c.serverId, act.enforce);
    return true;
  }

  /** ENFORCE: drive the hardware back through a normal, audited operation of the system principal. */
  private async enforce(serverId: string, action: 'start' | 'stop'): Promise<void> {
    const ctx: RequestContext = { requestId: newRequestId(), principal: this.ctxPrincipal, userAgent: 'status-sync' };
    try {
      await this.operations.request(ctx, { action, type: action === 'start' ? 'START' : 'STOP', serverId, params: action === 'stop' ? { force: false } : undefined });
    } catch (e) {
      // A user acted first: their action stands (the refusal is audited by request()).
      if (!(e instanceof DomainError)) throw e;
      this.logger.log(`enforce ${action} on ${serverId} refused: ${e.message}`);
    }
  }

  /** OBSERVE: the drift is recorded in the audit trail; the console is left as it is. */
  private async report(c: Claimed, kind: string, reason: string, details: Record<string, unknown>): Promise<void> {
    const server = await this.prisma.server.findUnique({ where: { id: c.serverId }, select: { id: true, name: true, poolId: true, status: true } });
    if (!server) return;
    await this.audit.appendNow({
      type: 'SYNC',
      action: 'server.drift',
      outcome: 'SUCCEEDED',
      actor: SYNC_ACTOR,
      resource: { type: 'server', id: server.id, name: server.name },
      poolId: server.poolId,
      fromStatus: server.status,
      reason: `${kind}: ${reason} (policy OBSERVE: not changed)`,
      details,
    });
    this.metrics.dbWrites.inc({ kind: 'report' });
  }

  private async saveState(c: Claimed, v: Pick<Verdict, 'pendingDrift' | 'pendingDriftCount' | 'consecutiveFailures'>, power?: PowerState): Promise<void> {
    await this.prisma.syncState.update({
      where: { serverId: c.serverId },
      data: { pendingDrift: v.pendingDrift, pendingDriftCount: v.pendingDriftCount, consecutiveFailures: v.consecutiveFailures, ...(power ? { lastObservedPower: power } : {}) },
    });
    this.metrics.dbWrites.inc({ kind: 'state' });
  }

  private markSynced(serverId: string): void {
    this.synced.push(serverId);
    if (this.synced.length >= SYNCED_FLUSH) void this.flushSynced().catch((e) => this.logger.warn(`lastSyncedAt flush failed: ${(e as Error).message}`));
  }

  /** One statement for many servers; it touches neither version nor updatedAt (no ETag change). */
  private async flushSynced(): Promise<void> {
    const ids = this.synced;
    if (!ids.length) return;
    this.synced = [];
    await this.prisma.pg.query(`UPDATE servers SET "lastSyncedAt" = now() WHERE id = ANY($1::text[])`, [ids]);
    this.metrics.dbWrites.inc({ kind: 'last_synced_batch' });
  }
}
