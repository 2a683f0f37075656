import { Inject, Injectable } from '@nestjs/common';
import type { Server } from '../generated/prisma/client';
import { AuditWriter } from '../audit/audit.writer';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { INFRASTRUCTURE_PROVIDER, InfrastructureProvider, providerErrorCode, withTimeout } from '../providers/provider.interface';
import { canTransition, PowerState, ServerStatus, statusForPower } from '../servers/server.state-machine';
import { ServersService } from '../servers/servers.service';

export const SYNC_ACTOR = { type: 'SYSTEM', id: 'system:status-sync', name: 'status sync' };

export type ReconcileResult =
  | { outcome: 'IN_SYNC'; observed: ServerStatus }
  | { outcome: 'REPAIRED'; from: ServerStatus; to: ServerStatus; observed: ServerStatus }
  | { outcome: 'SKIPPED'; reason: string }
  | { outcome: 'UNREACHABLE'; error: string };

export interface ReconcileOptions {
  actor?: { type: string; id: string; name: string };
  operationId?: string | null;
  requestId?: string | null;
}

/**
 * Level-based reconciliation of one server: re-read the console record, ask the
 * hardware, and when they disagree apply one state-machine transition with its
 * audit row, as a compare-and-swap so a user's action landing meanwhile wins.
 * The on-demand sync (POST /servers/{id}/sync) and the poller share this code.
 */
@Injectable()
export class ServerReconciler {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly servers: ServersService,
    @Inject(INFRASTRUCTURE_PROVIDER) private readonly provider: InfrastructureProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** True when an operation other than `exceptOperationId` is pending or running. */
  async busy(server: Pick<Server, 'id' | 'task'>, exceptOperationId?: string | null): Promise<boolean> {
    if (server.task) return true;
    const n = await this.prisma.operation.count({
      where: { serverId: server.id, status: { in: ['PENDING', 'RUNNING'] }, type: { not: 'SYNC' }, ...(exceptOperationId ? { id: { not: exceptOperationId } } : {}) },
    });
    return n > 0;
  }

  async readPower(serverId: string): Promise<PowerState> {
    return withTimeout('power state', this.config.sync.callTimeoutMs, this.provider.getPowerState(serverId));
  }

  /** Reconciles one server now, adopting the hardware's state. */
  async reconcile(serverId: string, opts: ReconcileOptions = {}): Promise<ReconcileResult> {
    const server = await this.prisma.server.findUniqueOrThrow({ where: { id: serverId } });
    if (await this.busy(server, opts.operationId)) {
      return { outcome: 'SKIPPED', reason: `operation or task ${server.task ?? ''} in progress`.trim() };
    }
    // A server held in ERROR by a critical fault stays there until repaired, whatever its power (as Ironic skips nodes in maintenance).
    if (server.status === 'ERROR' && (await this.prisma.fault.count({ where: { serverId, severity: 'CRITICAL', resolvedAt: null } })) > 0) {
      return { outcome: 'SKIPPED', reason: 'unresolved critical fault awaiting repair' };
    }
    let power: PowerState;
    try {
      power = await this.readPower(serverId);
    } catch (e) {
      return { outcome: 'UNREACHABLE', error: `${providerErrorCode(e)}: ${(e as Error).message}` };
    }
    const observed = statusForPower(power);
    const now = new Date();
    if (observed === server.status) {
      await this.prisma.server.updateMany({ where: { id: serverId }, data: { lastSyncedAt: now } });
      return { outcome: 'IN_SYNC', observed };
    }
    const to = canTransition(server.status, observed) ? observed : 'ERROR';
    const reason = `console recorded ${server.status}, hardware reports power ${power}`;
    const applied = await this.apply(server, to, reason, { ...opts, details: { observedPower: power, recordedStatus: server.status } });
    if (!applied) return { outcome: 'SKIPPED', reason: 'server changed during sync' };
    return { outcome: 'REPAIRED', from: server.status, to, observed };
  }

  /** One audited CAS transition by the sync actor; false if the server moved on. */
  async apply(server: Server, to: ServerStatus, reason: string, opts: ReconcileOptions & { details?: Record<string, unknown>; statusReason?: string | null; clearTask?: boolean }): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const updated = await this.servers.casUpdate(tx, server, {
        status: to,
        statusReason: opts.statusReason ?? (to === 'ERROR' ? reason : null),
        // Only the poller clears a task, for a server stranded by a lost operation.
        task: opts.clearTask ? null : undefined,
        data: { lastSyncedAt: new Date() },
      });
      if (!updated) return false;
      await this.audit.append(tx, {
        type: 'STATE_TRANSITION',
        action: 'server.sync',
        outcome: 'SUCCEEDED',
        actor: opts.actor ?? SYNC_ACTOR,
        resource: { type: 'server', id: server.id, name: server.name },
        poolId: server.poolId,
        operationId: opts.operationId ?? null,
        requestId: opts.requestId ?? null,
        fromStatus: server.status,
        toStatus: to,
        reason,
        details: opts.details,
      });
      return true;
    });
  }
}
