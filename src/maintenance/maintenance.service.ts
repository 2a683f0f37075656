import { Inject, Injectable, forwardRef } from '@nestjs/common';
import { notifyOperationChanged } from '../events/change-events';
import type { Fault, MaintenanceEvent, Operation, Prisma, Server } from '../generated/prisma/client';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import { actorOf, canSeePool, Principal } from '../auth/principal';
import { DomainError, notFound } from '../common/errors';
import { newId } from '../common/ids';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import type { RequestContext } from '../common/request-context';
import { PrismaService, Tx } from '../database/prisma.service';
import { operationAuditAction } from '../operations/operation.run';
import { OperationWorker } from '../operations/operation.worker';
import { ServersService } from '../servers/servers.service';
import { FailoverService, HOT_STANDBY_ACTOR } from '../standby/failover.service';
import type { FaultReport } from './faults.service';
import {
  decideMaintenance,
  MaintenanceAction,
  MaintenanceStatus,
  OPEN_MAINTENANCE_STATUSES,
  worstSeverity,
} from './maintenance.state-machine';
import { MaintenanceEventView, toMaintenanceEventView } from './maintenance.view';

type Actor = AuditInput['actor'];

export interface RequestMeta {
  requestId?: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
}

export interface MaintenanceFilter {
  serverId?: string;
  poolId?: string;
  status?: MaintenanceStatus;
  limit: number;
  cursor?: string;
}

/** Operation types a CRITICAL fault aborts: everything but the read-only sync and the repair itself. */
const ABORTED_BY_FAULT = ['START', 'STOP', 'RESTART', 'SWITCH_OS', 'RESET_OS', 'CREATE_IMAGE', 'UPGRADE'] as const;

/**
 * Authorized node repair. A fault opens (or joins) its server's one open
 * maintenance event; a CRITICAL fault also takes the server to ERROR and, in a
 * pool with automatic hot standby, swaps in a standby. An admin authorizes or
 * rejects the repair; the REPAIR operation (at `notBefore`) runs it; the repair
 * crew, or the provider, reports it done, and the node rejoins its pool STOPPED.
 */
@Injectable()
export class MaintenanceService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly servers: ServersService,
    private readonly failover: FailoverService,
    @Inject(forwardRef(() => OperationWorker)) private readonly worker: OperationWorker,
  ) {}

  /**
   * Locks what a fault on this server may change, in the worker's lock order
   * (operation rows, then the server row) so the two never deadlock. Returns
   * the server as it is now.
   */
  async lockForFault(tx: Tx, serverId: string, severity: FaultReport['severity']): Promise<Server> {
    if (severity === 'CRITICAL') {
      await tx.$queryRaw`SELECT id FROM operations WHERE "serverId" = ${serverId} AND status IN ('PENDING', 'RUNNING') ORDER BY id FOR UPDATE`;
    }
    await tx.$queryRaw`SELECT id FROM servers WHERE id = ${serverId} FOR UPDATE`;
    return tx.server.findUniqueOrThrow({ where: { id: serverId } });
  }

  /**
   * The maintenance side of a new fault, inside the transaction that records
   * it (whose caller holds the server's row lock via lockForFault). Returns the
   * audit rows to append.
   *
   * A CRITICAL fault wins over work in flight: the server goes to ERROR at once
   * and its pending or running operation (not a sync, not the repair itself)
   * ends FAILED with HARDWARE_FAULT; the worker running it finds its lease gone
   * at its next step and stops. A server already in repair stays in repair.
   */
  async onFault(tx: Tx, server: Server, fault: Fault, actor: Actor, meta: RequestMeta): Promise<AuditInput[]> {
    const rows: AuditInput[] = [];
    const base = { actor, poolId: server.poolId, requestId: meta.requestId ?? null, sourceIp: meta.sourceIp ?? null, userAgent: meta.userAgent ?? null };
    let event = await tx.maintenanceEvent.findFirst({ where: { serverId: server.id, status: { in: [...OPEN_MAINTENANCE_STATUSES] } } });
    if (event) {
      event = await tx.maintenanceEvent.update({
        where: { id: event.id },
        data: { severity: worstSeverity(event.severity, fault.severity), version: { increment: 1 } },
      });
      rows.push({ ...base, type: 'MAINTENANCE', action: 'maintenance.fault-attached', outcome: 'SUCCEEDED', resource: this.resource(event, server), details: { faultId: fault.id, severity: fault.severity, eventSeverity: event.severity } });
    } else {
      event = await tx.maintenanceEvent.create({
        data: {
          id: newId('mnt'),
          serverId: server.id,
          poolId: server.poolId,
          severity: fault.severity,
          summary: `${fault.severity} ${fault.component} fault: ${fault.description}`.slice(0, 500),
          previousRole: server.role,
        },
      });
      rows.push({ ...base, type: 'MAINTENANCE', action: 'maintenance.open', outcome: 'SUCCEEDED', toStatus: event.status, resource: this.resource(event, server), reason: event.summary, details: { faultId: fault.id, serverId: server.id, severity: fault.severity } });
    }
    await tx.fault.update({ where: { id: fault.id }, data: { maintenanceEventId: event.id } });
    if (fault.severity !== 'CRITICAL') return rows;

    let current = server;
    if (server.task !== 'REPAIRING') {
      const reason = `HARDWARE_FAULT: ${event.summary}`.slice(0, 500);
      rows.push(...(await this.abortInFlight(tx, server, fault, base)));
      const updated = await this.servers.casUpdate(tx, server, { status: 'ERROR', task: null, statusReason: reason });
      if (!updated) throw new DomainError('CONFLICT', `Server ${server.id} changed while recording a fault; retry`);
      current = updated;
      if (server.status !== 'ERROR') {
        rows.push({ ...base, type: 'STATE_TRANSITION', action: 'server.fault', outcome: 'SUCCEEDED', resource: { type: 'server', id: server.id, name: server.name }, fromStatus: server.status, toStatus: 'ERROR', reason, details: { faultId: fault.id, maintenanceEventId: event.id } });
      }
    }
    rows.push(...(await this.failoverOnFault(tx, current, event, fault, meta)));
    return rows;
  }

  private async abortInFlight(tx: Tx, server: Server, fault: Fault, base: Omit<AuditInput, 'type' | 'action' | 'outcome' | 'resource'>): Promise<AuditInput[]> {
    const ops: Operation[] = await tx.operation.findMany({ where: { serverId: server.id, status: { in: ['PENDING', 'RUNNING'] }, type: { in: [...ABORTED_BY_FAULT] } } });
    if (!ops.length) return [];
    const message = `Aborted by a CRITICAL ${fault.component} fault (${fault.id})`;
    await tx.operation.updateMany({
      where: { id: { in: ops.map((o) => o.id) } },
      data: { status: 'FAILED', errorCode: 'HARDWARE_FAULT', errorMessage: message, finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
    });
    for (const op of ops) await notifyOperationChanged(tx, { operationId: op.id, serverId: op.serverId, type: op.type, status: 'FAILED' });
    return ops.map((op) => ({
      ...base,
      type: 'ACTION' as const,
      action: operationAuditAction(op),
      outcome: 'FAILED' as const,
      resource: { type: 'server', id: server.id, name: server.name },
      operationId: op.id,
      reason: `HARDWARE_FAULT: ${message}`,
      details: { errorCode: 'HARDWARE_FAULT', faultId: fault.id },
    }));
  }

  /** Hot standby on a CRITICAL fault: promote a standby now (autoFailover), or say why not on the event. */
  private async failoverOnFault(tx: Tx, server: Server, event: MaintenanceEvent, fault: Fault, meta: RequestMeta): Promise<AuditInput[]> {
    if (server.role !== 'ACTIVE' || event.replacementServerId) return [];
    const pool = await tx.pool.findUniqueOrThrow({ where: { id: server.poolId } });
    if (!pool.hotStandbyEnabled) return [];
    let note: string;
    if (pool.autoFailover) {
      const r = await this.failover.tryFailover(tx, server, event, { ...meta, actor: HOT_STANDBY_ACTOR, trigger: 'AUTO', faultId: fault.id });
      if (r.outcome === 'PROMOTED') return r.audit;
      note = r.note;
    } else {
      note = `Automatic failover is off in pool ${pool.id}; an admin may fail over with POST /v1/servers/${server.id}/failover`;
    }
    await tx.maintenanceEvent.update({ where: { id: event.id }, data: { standbyNote: note, version: { increment: 1 } } });
    return [];
  }

  // ---- queries ----

  async list(p: Principal, f: MaintenanceFilter): Promise<Page<MaintenanceEventView>> {
    const after = decodeCursor(f.cursor, (v): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string'));
    const where: Prisma.MaintenanceEventWhereInput = {
      AND: [
        p.poolIds === null ? {} : { poolId: { in: p.poolIds } },
        f.serverId ? { serverId: f.serverId } : {},
        f.poolId ? { poolId: f.poolId } : {},
        f.status ? { status: f.status } : {},
        after ? { OR: [{ createdAt: { lt: new Date(after[0]) } }, { createdAt: new Date(after[0]), id: { lt: after[1] } }] } : {},
      ],
    };
    const rows = await this.prisma.maintenanceEvent.findMany({ where, include: { faults: true }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: f.limit + 1 });
    const items = rows.slice(0, f.limit);
    const last = items[items.length - 1];
    return { items: items.map(toMaintenanceEventView), nextCursor: rows.length > f.limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  }

  async get(p: Principal, id: string): Promise<MaintenanceEventView> {
    return toMaintenanceEventView(await this.findVisible(p, id));
  }

  private async findVisible(p: Principal, id: string, tx: Tx = this.prisma) {
    const e = await tx.maintenanceEvent.findUnique({ where: { id }, include: { faults: true } });
    if (!e || !canSeePool(p, e.poolId)) throw notFound('MaintenanceEvent', id);
    return e;
  }

  // ---- decisions ----

  /** An admin authorizes the repair; the REPAIR operation waits for `notBefore`. */
  async authorize(ctx: RequestContext, id: string, note: string, notBefore?: Date): Promise<MaintenanceEventView> {
    const event = await this.findVisible(ctx.principal, id);
    await this.check(ctx, event, 'authorize');
    const when = notBefore && notBefore.getTime() > Date.now() ? notBefore : new Date();
    const actor = actorOf(ctx.principal);
    await this.prisma.$transaction(async (tx) => {
      await this.cas(tx, event, 'authorize', { authorizedById: ctx.principal.id, authorizedAt: new Date(), decisionNote: note, notBefore: notBefore ?? null });
      const server = await tx.server.findUniqueOrThrow({ where: { id: event.serverId } });
      const operationId = newId('op');
      await tx.operation.create({
        data: {
          id: operationId,
          type: 'REPAIR',
          serverId: event.serverId,
          params: { maintenanceEventId: event.id },
          notBefore: when,
          requestedById: ctx.principal.id,
          requestedByType: ctx.principal.type,
          requestedByName: ctx.principal.name,
          requestId: ctx.requestId,
        },
      });
      await notifyOperationChanged(tx, { operationId, serverId: event.serverId, type: 'REPAIR', status: 'PENDING' });
      const meta = this.meta(ctx);
      await this.audit.append(tx, [
        { ...meta, type: 'MAINTENANCE', action: 'maintenance.authorize', outcome: 'SUCCEEDED', actor, resource: this.resource(event, server), poolId: event.poolId, operationId, fromStatus: event.status, toStatus: 'AUTHORIZED', reason: note, details: { note, notBefore: notBefore?.toISOString() ?? null, repairStartsAt: when.toISOString() } },
        { ...meta, type: 'ACTION', action: 'server.repair', outcome: 'ACCEPTED', actor, resource: { type: 'server', id: server.id, name: server.name }, poolId: server.poolId, operationId, details: { maintenanceEventId: event.id, notBefore: when.toISOString() } },
      ]);
    });
    this.worker.kick();
    return this.get(ctx.principal, id);
  }

  /** An admin declines the repair: the event ends, its faults stay open, the server stays as it is. */
  async reject(ctx: RequestContext, id: string, note: string): Promise<MaintenanceEventView> {
    const event = await this.findVisible(ctx.principal, id);
    await this.check(ctx, event, 'reject');
    await this.prisma.$transaction(async (tx) => {
      await this.cas(tx, event, 'reject', { authorizedById: ctx.principal.id, authorizedAt: new Date(), decisionNote: note });
      const server = await tx.server.findUniqueOrThrow({ where: { id: event.serverId } });
      await this.audit.append(tx, { ...this.meta(ctx), type: 'MAINTENANCE', action: 'maintenance.reject', outcome: 'SUCCEEDED', actor: actorOf(ctx.principal), resource: this.resource(event, server), poolId: event.poolId, fromStatus: event.status, toStatus: 'REJECTED', reason: note, details: { note } });
    });
    return this.get(ctx.principal, id);
  }

  /**
   * The repair crew reports the node restored, ahead of the provider. Ends the
   * event and its REPAIR operation; the server rejoins its pool STOPPED (the
   * worker still polling the provider finds its operation finished and stops).
   */
  async complete(ctx: RequestContext, id: string, note: string): Promise<MaintenanceEventView> {
    const event = await this.findVisible(ctx.principal, id);
    await this.check(ctx, event, 'complete');
    const actor = actorOf(ctx.principal);
    const meta = this.meta(ctx);
    await this.prisma.$transaction(async (tx) => {
      // The worker's lock order: operation rows, then the server.
      await tx.$queryRaw`SELECT id FROM operations WHERE "serverId" = ${event.serverId} AND type = 'REPAIR' AND status IN ('PENDING', 'RUNNING') ORDER BY id FOR UPDATE`;
      await tx.$queryRaw`SELECT id FROM servers WHERE id = ${event.serverId} FOR UPDATE`;
      const server = await tx.server.findUniqueOrThrow({ where: { id: event.serverId } });
      const op = await tx.operation.findFirst({ where: { serverId: event.serverId, type: 'REPAIR', status: { in: ['PENDING', 'RUNNING'] } } });
      const restored = await this.servers.casUpdate(tx, server, { status: 'STOPPED', task: null, statusReason: null });
      if (!restored) throw new DomainError('CONFLICT', `Server ${server.id} changed concurrently; retry`);
      if (op) {
        await tx.operation.update({ where: { id: op.id }, data: { status: 'SUCCEEDED', step: 'COMPLETED_BY_CREW', finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null } });
        await notifyOperationChanged(tx, { operationId: op.id, serverId: op.serverId, type: op.type, status: 'SUCCEEDED' });
      }
      const rows: AuditInput[] = [];
      const srv = { type: 'server', id: server.id, name: server.name };
      if (server.status !== 'STOPPED') rows.push({ ...meta, type: 'STATE_TRANSITION', action: 'server.repair', outcome: 'SUCCEEDED', actor, resource: srv, poolId: server.poolId, operationId: op?.id ?? null, fromStatus: server.status, toStatus: 'STOPPED', reason: `repair completed: ${note}` });
      if (op) rows.push({ ...meta, type: 'ACTION', action: 'server.repair', outcome: 'SUCCEEDED', actor, resource: srv, poolId: server.poolId, operationId: op.id, reason: 'completed by the repair crew' });
      rows.push(...(await this.closeRepair(tx, event.id, 'complete', restored, actor, note, { ...meta, operationId: op?.id ?? null })));
      await this.audit.append(tx, rows);
    });
    return this.get(ctx.principal, id);
  }

  // ---- steps of the REPAIR operation (and of the crew's completion) ----

  async eventStatus(id: string): Promise<MaintenanceStatus | null> {
    return (await this.prisma.maintenanceEvent.findUnique({ where: { id }, select: { status: true } }))?.status ?? null;
  }

  /** AUTHORIZED -> IN_REPAIR, inside the transaction that gives the server its REPAIRING task. */
  async startRepair(tx: Tx, eventId: string, server: Server, actor: Actor, meta: RequestMeta & { operationId: string }): Promise<AuditInput[]> {
    const event = await tx.maintenanceEvent.findUniqueOrThrow({ where: { id: eventId } });
    await this.cas(tx, event, 'start-repair', { repairStartedAt: new Date() });
    return [{ ...meta, type: 'MAINTENANCE', action: 'maintenance.start-repair', outcome: 'SUCCEEDED', actor, resource: this.resource(event, server), poolId: event.poolId, fromStatus: event.status, toStatus: 'IN_REPAIR', reason: 'repair started' }];
  }

  /**
   * Ends a repair: COMPLETED resolves the event's faults and gives the server
   * back its role (STANDBY if a standby took its place, else its old role);
   * FAILED leaves faults and role as they are. `server` is the fresh, locked row.
   */
  async closeRepair(tx: Tx, eventId: string, outcome: 'complete' | 'fail', server: Server, actor: Actor, note: string, meta: RequestMeta & { operationId: string | null }): Promise<AuditInput[]> {
    const event = await tx.maintenanceEvent.findUniqueOrThrow({ where: { id: eventId } });
    const now = new Date();
    await this.cas(tx, event, outcome, { completedAt: now, completionNote: note.slice(0, 1000) });
    const rows: AuditInput[] = [
      { ...meta, type: 'MAINTENANCE', action: `maintenance.${outcome}`, outcome: outcome === 'complete' ? 'SUCCEEDED' : 'FAILED', actor, resource: this.resource(event, server), poolId: event.poolId, fromStatus: event.status, toStatus: outcome === 'complete' ? 'COMPLETED' : 'FAILED', reason: note },
    ];
    if (outcome === 'fail') return rows;
    const resolved = await tx.fault.updateMany({ where: { maintenanceEventId: event.id, resolvedAt: null }, data: { resolvedAt: now } });
    const role = event.replacementServerId ? 'STANDBY' : event.previousRole;
    if (server.role !== role) {
      const n = await tx.server.updateMany({ where: { id: server.id, version: server.version }, data: { role, version: { increment: 1 } } });
      if (n.count === 0) throw new DomainError('CONFLICT', `Server ${server.id} changed concurrently; retry`);
      rows.push({ ...meta, type: 'CONFIG', action: 'server.role', outcome: 'SUCCEEDED', actor, resource: { type: 'server', id: server.id, name: server.name }, poolId: server.poolId, reason: `rejoins its pool as ${role} after repair`, details: { fromRole: server.role, toRole: role, maintenanceEventId: event.id } });
    }
    rows[0].details = { faultsResolved: resolved.count, rejoinsAs: role };
    return rows;
  }

  /** A repair operation that ended FAILED outside its executor (e.g. WORKER_LOST): close its event too. */
  async failRepairIfOpen(tx: Tx, eventId: string, server: Server, actor: Actor, note: string, meta: RequestMeta & { operationId: string | null }): Promise<AuditInput[]> {
    const event = await tx.maintenanceEvent.findUnique({ where: { id: eventId } });
    if (!event || !decideMaintenance('fail', event.status).ok) return [];
    return this.closeRepair(tx, eventId, 'fail', server, actor, note, meta);
  }

  // ---- helpers ----

  /** Refuses an action the event's status does not allow, with its audit row. */
  private async check(ctx: RequestContext, event: MaintenanceEvent, action: MaintenanceAction): Promise<void> {
    const d = decideMaintenance(action, event.status);
    if (d.ok) return;
    const err = this.invalid(event, d.reason);
    await this.audit.appendNow({ ...this.meta(ctx), type: 'MAINTENANCE', action: `maintenance.${action}`, outcome: 'REJECTED', actor: actorOf(ctx.principal), resource: { type: 'maintenance-event', id: event.id }, poolId: event.poolId, fromStatus: event.status, reason: `${err.code}: ${err.message}` });
    throw err;
  }

  private invalid(event: MaintenanceEvent, reason: string): DomainError {
    return new DomainError('INVALID_STATE', reason, { maintenanceEventId: event.id, currentStatus: event.status });
  }

  /** A state-machine-checked compare-and-swap of an event on `version`. */
  private async cas(tx: Tx, event: MaintenanceEvent, action: MaintenanceAction, data: Prisma.MaintenanceEventUpdateManyMutationInput): Promise<void> {
    const d = decideMaintenance(action, event.status);
    if (!d.ok) throw this.invalid(event, d.reason);
    const n = await tx.maintenanceEvent.updateMany({ where: { id: event.id, version: event.version }, data: { ...data, status: d.to, version: { increment: 1 } } });
    if (n.count === 0) {
      const now = await tx.maintenanceEvent.findUniqueOrThrow({ where: { id: event.id } });
      throw this.invalid(now, `Maintenance event ${event.id} changed concurrently (now ${now.status})`);
    }
  }

  private resource(event: Pick<MaintenanceEvent, 'id'>, server: Pick<Server, 'name'>) {
    return { type: 'maintenance-event', id: event.id, name: server.name };
  }

  private meta(ctx: RequestContext) {
    return { requestId: ctx.requestId, sourceIp: ctx.sourceIp ?? null, userAgent: ctx.userAgent ?? null };
  }
}
