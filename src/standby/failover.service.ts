import { Injectable } from '@nestjs/common';
import { notifyOperationChanged } from '../events/change-events';
import type { MaintenanceEvent, Server } from '../generated/prisma/client';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import { actorOf } from '../auth/principal';
import { DomainError } from '../common/errors';
import { newId } from '../common/ids';
import type { RequestContext } from '../common/request-context';
import { PrismaService, Tx } from '../database/prisma.service';
import { OperationView, toOperationView } from '../operations/operation.view';
import { ServersService } from '../servers/servers.service';
import { OPEN_MAINTENANCE_STATUSES } from '../maintenance/maintenance.state-machine';

export const HOT_STANDBY_ACTOR = { type: 'SYSTEM', id: 'system:hot-standby', name: 'hot standby' };

type Actor = AuditInput['actor'];

export interface FailoverContext {
  actor: Actor;
  trigger: 'AUTO' | 'MANUAL';
  requestId?: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
  /** The fault that caused it, for the audit trail. */
  faultId?: string;
}

export type FailoverResult =
  | { outcome: 'PROMOTED'; standby: Server; operationId: string; audit: AuditInput[] }
  | { outcome: 'NO_STANDBY'; note: string };

/**
 * Swaps a faulty ACTIVE server with a healthy RUNNING standby of its pool.
 * The role swap is a database change only (the standby is already running),
 * so it happens at once, inside the caller's transaction; the FAILOVER
 * operation row is its durable record and is born SUCCEEDED.
 */
@Injectable()
export class FailoverService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly servers: ServersService,
  ) {}

  /**
   * Claims a standby with a row lock. SKIP LOCKED: a standby another
   * transaction is promoting right now is not available, so concurrent faults
   * in one pool never promote the same standby twice.
   */
  async claimStandby(tx: Tx, poolId: string, excludeId: string): Promise<Server | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT s.id FROM servers s
      WHERE s."poolId" = ${poolId} AND s.role = 'STANDBY' AND s.status = 'RUNNING' AND s.task IS NULL AND s.id <> ${excludeId}
        AND NOT EXISTS (SELECT 1 FROM maintenance_events m WHERE m."serverId" = s.id
                        AND m.status::text = ANY(${OPEN_MAINTENANCE_STATUSES as string[]}::text[]))
      ORDER BY s.id
      LIMIT 1
      FOR UPDATE OF s SKIP LOCKED`;
    if (!rows.length) return null;
    return tx.server.findUniqueOrThrow({ where: { id: rows[0].id } });
  }

  /** Fails `faulty` over to a claimed standby, inside the caller's transaction (which holds faulty's row lock). */
  async tryFailover(tx: Tx, faulty: Server, event: Pick<MaintenanceEvent, 'id'> | null, ctx: FailoverContext): Promise<FailoverResult> {
    const standby = await this.claimStandby(tx, faulty.poolId, faulty.id);
    if (!standby) {
      return { outcome: 'NO_STANDBY', note: `No healthy RUNNING standby in pool ${faulty.poolId} at ${new Date().toISOString()}; the fault waits for repair` };
    }
    const demoted = await this.servers.casUpdate(tx, faulty, { data: { role: 'STANDBY' } });
    const promoted = await this.servers.casUpdate(tx, standby, { data: { role: 'ACTIVE' } });
    if (!demoted || !promoted) throw new DomainError('CONFLICT', 'A server changed during failover; retry');
    const operationId = newId('op');
    const now = new Date();
    await tx.operation.create({
      data: {
        id: operationId,
        type: 'FAILOVER',
        status: 'SUCCEEDED',
        serverId: faulty.id,
        params: { standbyServerId: standby.id, trigger: ctx.trigger, maintenanceEventId: event?.id ?? null, faultId: ctx.faultId ?? null },
        requestedById: ctx.actor.id,
        requestedByType: ctx.actor.type,
        requestedByName: ctx.actor.name,
        requestId: ctx.requestId ?? null,
        step: 'ROLES_SWAPPED',
        startedAt: now,
        finishedAt: now,
      },
    });
    await notifyOperationChanged(tx, { operationId, serverId: faulty.id, type: 'FAILOVER', status: 'SUCCEEDED' });
    if (event) await tx.maintenanceEvent.update({ where: { id: event.id }, data: { replacementServerId: standby.id, standbyNote: null, version: { increment: 1 } } });
    const base = { type: 'ACTION' as const, action: 'server.failover', outcome: 'SUCCEEDED' as const, actor: ctx.actor, poolId: faulty.poolId, operationId, requestId: ctx.requestId ?? null, sourceIp: ctx.sourceIp ?? null, userAgent: ctx.userAgent ?? null };
    const details = { trigger: ctx.trigger, faultyServerId: faulty.id, standbyServerId: standby.id, maintenanceEventId: event?.id ?? null, faultId: ctx.faultId ?? null };
    return {
      outcome: 'PROMOTED',
      standby: promoted,
      operationId,
      audit: [
        { ...base, resource: { type: 'server', id: faulty.id, name: faulty.name }, reason: `role ACTIVE -> STANDBY: replaced by ${standby.id}`, details: { ...details, fromRole: 'ACTIVE', toRole: 'STANDBY' } },
        { ...base, resource: { type: 'server', id: standby.id, name: standby.name }, reason: `role STANDBY -> ACTIVE: takes the place of ${faulty.id}`, details: { ...details, fromRole: 'STANDBY', toRole: 'ACTIVE' } },
      ],
    };
  }

  /** `POST /v1/servers/{id}/failover`: an admin swaps an ACTIVE server with a standby. */
  async failover(ctx: RequestContext, serverId: string): Promise<OperationView> {
    await this.servers.findVisible(ctx.principal, serverId);
    const actor = actorOf(ctx.principal);
    const req = { requestId: ctx.requestId, sourceIp: ctx.sourceIp ?? null, userAgent: ctx.userAgent ?? null };
    const result = await this.prisma.$transaction(async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM servers WHERE id = ${serverId} FOR UPDATE`;
      const server = await tx.server.findUniqueOrThrow({ where: { id: locked.id }, include: { pool: true } });
      const refusal = this.refusal(server, server.pool.hotStandbyEnabled);
      const event = await tx.maintenanceEvent.findFirst({ where: { serverId, status: { in: [...OPEN_MAINTENANCE_STATUSES] } } });
      const r = refusal ? null : await this.tryFailover(tx, server, event, { ...req, actor, trigger: 'MANUAL' });
      if (!r || r.outcome === 'NO_STANDBY') {
        const err = refusal ?? new DomainError('NO_STANDBY_AVAILABLE', `No healthy RUNNING standby in pool ${server.poolId}`, { serverId, poolId: server.poolId });
        if (r && event) await tx.maintenanceEvent.update({ where: { id: event.id }, data: { standbyNote: r.note, version: { increment: 1 } } });
        await this.audit.append(tx, {
          ...req,
          type: 'ACTION',
          action: 'server.failover',
          outcome: 'REJECTED',
          actor,
          resource: { type: 'server', id: server.id, name: server.name },
          poolId: server.poolId,
          reason: `${err.code}: ${err.message}`,
          details: { maintenanceEventId: event?.id ?? null },
        });
        return err;
      }
      await this.audit.append(tx, r.audit);
      return r.operationId;
    });
    // The refusal is committed with its audit row (and the event's note); now report it.
    if (result instanceof DomainError) throw result;
    return toOperationView(await this.prisma.operation.findUniqueOrThrow({ where: { id: result } }));
  }

  private refusal(server: Server, hotStandbyEnabled: boolean): DomainError | undefined {
    if (!hotStandbyEnabled) return new DomainError('INVALID_STATE', `Hot standby is not enabled in pool ${server.poolId}`, { serverId: server.id, poolId: server.poolId });
    if (server.role !== 'ACTIVE') return new DomainError('INVALID_STATE', `Server ${server.id} is a ${server.role} server; only an ACTIVE server fails over`, { serverId: server.id, role: server.role });
    return undefined;
  }
}
