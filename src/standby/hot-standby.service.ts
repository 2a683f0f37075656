import { Injectable } from '@nestjs/common';
import type { Server } from '../generated/prisma/client';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import { actorOf, canSeePool, Principal } from '../auth/principal';
import { DomainError, notFound } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { PrismaService, Tx } from '../database/prisma.service';
import { OPEN_MAINTENANCE_STATUSES } from '../maintenance/maintenance.state-machine';

export interface HotStandbyConfig {
  enabled: boolean;
  autoFailover: boolean;
  standbyServerIds: string[];
}

export interface HotStandbyView extends HotStandbyConfig {
  poolId: string;
  /** Each standby and whether it could take over now (RUNNING, idle, no open maintenance). */
  standbys: { id: string; name: string; status: string; task: string | null; available: boolean }[];
  version: number;
}

@Injectable()
export class HotStandbyService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  async get(p: Principal, poolId: string): Promise<HotStandbyView> {
    await this.visiblePool(p, poolId);
    return this.view(this.prisma, poolId);
  }

  /**
   * Replaces a pool's hot-standby configuration. Servers named become STANDBY
   * (a newly designated one must be RUNNING, idle and without open
   * maintenance: standbys are kept running); the pool's other standbys become
   * ACTIVE. The pool row and its servers are locked, so a failover running at
   * the same time either finishes first or sees the new configuration.
   */
  async put(ctx: RequestContext, poolId: string, cfg: HotStandbyConfig): Promise<HotStandbyView> {
    await this.visiblePool(ctx.principal, poolId);
    const ids = [...new Set(cfg.standbyServerIds)];
    if (!cfg.enabled && ids.length) {
      throw new DomainError('VALIDATION_FAILED', 'A pool without hot standby has no standby servers; send standbyServerIds: []', {
        fields: [{ field: 'standbyServerIds', problems: ['must be empty when enabled is false'] }],
      });
    }
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM pools WHERE id = ${poolId} FOR UPDATE`;
      await tx.$queryRaw`SELECT id FROM servers WHERE "poolId" = ${poolId} ORDER BY id FOR UPDATE`;
      const pool = await tx.pool.findUniqueOrThrow({ where: { id: poolId } });
      const servers = await tx.server.findMany({ where: { poolId }, orderBy: { id: 'asc' } });
      const byId = new Map(servers.map((s) => [s.id, s]));
      const unknown = ids.filter((id) => !byId.has(id));
      if (unknown.length) {
        throw new DomainError('VALIDATION_FAILED', `Not servers of pool ${poolId}: ${unknown.join(', ')}`, {
          fields: [{ field: 'standbyServerIds', problems: [`not in pool ${poolId}: ${unknown.join(', ')}`] }],
        });
      }
      const busy = await this.openMaintenance(tx, ids);
      for (const id of ids) {
        const s = byId.get(id)!;
        if (s.role === 'STANDBY') continue;
        if (s.status !== 'RUNNING' || s.task !== null || busy.has(id)) {
          throw new DomainError('INVALID_STATE', `Server ${id} cannot become a standby: it must be RUNNING, idle and without open maintenance`, {
            serverId: id,
            currentStatus: s.status,
            task: s.task,
            openMaintenance: busy.has(id),
          });
        }
      }
      const actor = actorOf(ctx.principal);
      const base = { type: 'CONFIG' as const, outcome: 'SUCCEEDED' as const, actor, poolId, requestId: ctx.requestId, sourceIp: ctx.sourceIp, userAgent: ctx.userAgent };
      const rows: AuditInput[] = [];
      for (const s of servers) {
        const role = ids.includes(s.id) ? 'STANDBY' : 'ACTIVE';
        if (s.role === role) continue;
        await this.setRole(tx, s, role);
        rows.push({ ...base, action: 'server.role', resource: { type: 'server', id: s.id, name: s.name }, reason: `role ${s.role} -> ${role} (hot-standby configuration)`, details: { fromRole: s.role, toRole: role } });
      }
      await tx.pool.update({ where: { id: poolId }, data: { hotStandbyEnabled: cfg.enabled, autoFailover: cfg.autoFailover, version: { increment: 1 } } });
      const before = { enabled: pool.hotStandbyEnabled, autoFailover: pool.autoFailover, standbyServerIds: servers.filter((s) => s.role === 'STANDBY').map((s) => s.id) };
      rows.unshift({ ...base, action: 'pool.hot-standby', resource: { type: 'pool', id: poolId, name: pool.name }, details: { before, after: { ...cfg, standbyServerIds: ids } } });
      await this.audit.append(tx, rows);
      return this.view(tx, poolId);
    });
  }

  private async setRole(tx: Tx, s: Server, role: 'ACTIVE' | 'STANDBY'): Promise<void> {
    const n = await tx.server.updateMany({ where: { id: s.id, version: s.version }, data: { role, version: { increment: 1 } } });
    if (n.count === 0) throw new DomainError('CONFLICT', `Server ${s.id} was changed concurrently; retry`);
  }

  private async openMaintenance(tx: Tx, serverIds: string[]): Promise<Set<string>> {
    const rows = await tx.maintenanceEvent.findMany({ where: { serverId: { in: serverIds }, status: { in: [...OPEN_MAINTENANCE_STATUSES] } }, select: { serverId: true } });
    return new Set(rows.map((r) => r.serverId));
  }

  private async visiblePool(p: Principal, poolId: string): Promise<void> {
    const pool = await this.prisma.pool.findUnique({ where: { id: poolId }, select: { id: true } });
    if (!pool || !canSeePool(p, pool.id)) throw notFound('Pool', poolId);
  }

  private async view(tx: Tx, poolId: string): Promise<HotStandbyView> {
    const pool = await tx.pool.findUniqueOrThrow({ where: { id: poolId } });
    const standbys = await tx.server.findMany({ where: { poolId, role: 'STANDBY' }, orderBy: { id: 'asc' } });
    const busy = await this.openMaintenance(tx, standbys.map((s) => s.id));
    return {
      poolId,
      enabled: pool.hotStandbyEnabled,
      autoFailover: pool.autoFailover,
      standbyServerIds: standbys.map((s) => s.id),
      standbys: standbys.map((s) => ({ id: s.id, name: s.name, status: s.status, task: s.task, available: s.status === 'RUNNING' && s.task === null && !busy.has(s.id) })),
      version: pool.version,
    };
  }
}
