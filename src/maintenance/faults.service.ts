import { Injectable } from '@nestjs/common';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import { newId } from '../common/ids';
import { PrismaService, Tx } from '../database/prisma.service';
import type { HardwareFault } from '../providers/provider.interface';
import { actorOf } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { ServersService } from '../servers/servers.service';
import { MaintenanceService, RequestMeta } from './maintenance.service';
import { FaultView, MaintenanceEventView, toFaultView } from './maintenance.view';

export interface FaultReport {
  component: string;
  severity: 'MINOR' | 'MAJOR' | 'CRITICAL';
  description: string;
  /** Where it came from: `health-check`, `operator`, `monitoring`. */
  source: string;
  /** The hardware's own id, so a fault seen on every sweep is recorded once. */
  externalId?: string;
}

/**
 * Records hardware faults against servers. The status-sync poller reports what
 * the provider's health check sees; operators and monitoring report through the
 * API. Maintenance (events, ERROR, hot-standby failover) reacts in the same transaction.
 */
@Injectable()
export class FaultsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly servers: ServersService,
    private readonly maintenance: MaintenanceService,
  ) {}

  /** Records faults not seen before (by externalId) for one server; returns the new ones. */
  async recordObserved(serverId: string, faults: HardwareFault[], actor: AuditInput['actor']): Promise<string[]> {
    if (!faults.length) return [];
    const known = await this.prisma.fault.findMany({ where: { serverId, externalId: { in: faults.map((f) => f.id) } }, select: { externalId: true } });
    const seen = new Set(known.map((k) => k.externalId));
    const fresh = faults.filter((f) => !seen.has(f.id));
    const ids: string[] = [];
    for (const f of fresh) {
      const id = await this.prisma.$transaction((tx) =>
        this.record(tx, serverId, { component: f.component, severity: f.severity, description: f.description, source: 'health-check', externalId: f.id }, actor),
      ).catch((e) => {
        if ((e as { code?: string }).code === 'P2002') return null; // another replica recorded it first
        throw e;
      });
      if (id) ids.push(id);
    }
    return ids;
  }

  /** Batch read (GraphQL loaders): the unresolved faults of these servers, newest first. */
  openForServers(serverIds: readonly string[]) {
    return this.prisma.fault.findMany({ where: { serverId: { in: [...serverIds] }, resolvedAt: null }, orderBy: [{ detectedAt: 'desc' }, { id: 'asc' }] });
  }

  /**
   * Inserts one fault with its audit row inside the caller's transaction, and
   * lets maintenance react in the same transaction (event, ERROR, failover),
   * so faults from the health check and from the API behave the same.
   * Call it first in the transaction: it takes the server's locks.
   */
  async record(tx: Tx, serverId: string, report: FaultReport, actor: AuditInput['actor'], requestId?: string | null, meta: Omit<RequestMeta, 'requestId'> = {}): Promise<string> {
    const server = await this.maintenance.lockForFault(tx, serverId, report.severity);
    const id = newId('fault');
    const fault = await tx.fault.create({
      data: { id, serverId, component: report.component, severity: report.severity, description: report.description, source: report.source, externalId: report.externalId },
    });
    const reaction = await this.maintenance.onFault(tx, server, fault, actor, { ...meta, requestId });
    await this.audit.append(tx, [
      {
        type: 'FAULT',
        action: 'server.fault',
        outcome: 'SUCCEEDED',
        actor,
        resource: { type: 'server', id: server.id, name: server.name },
        poolId: server.poolId,
        requestId: requestId ?? null,
        sourceIp: meta.sourceIp ?? null,
        userAgent: meta.userAgent ?? null,
        reason: `${report.severity} ${report.component} fault: ${report.description}`.slice(0, 1000),
        details: { faultId: id, ...report },
      },
      ...reaction,
    ]);
    return id;
  }

  /** `POST /v1/servers/{id}/faults`: an operator or a monitoring system reports a fault. */
  async report(ctx: RequestContext, serverId: string, report: Omit<FaultReport, 'source' | 'externalId'>): Promise<{ fault: FaultView; maintenanceEvent: MaintenanceEventView }> {
    await this.servers.findVisible(ctx.principal, serverId);
    const source = ctx.principal.type === 'SYSTEM' ? 'monitoring' : 'operator';
    const id = await this.prisma.$transaction((tx) =>
      this.record(tx, serverId, { ...report, source }, actorOf(ctx.principal), ctx.requestId, { sourceIp: ctx.sourceIp, userAgent: ctx.userAgent }),
    );
    const fault = await this.prisma.fault.findUniqueOrThrow({ where: { id } });
    return { fault: toFaultView(fault), maintenanceEvent: await this.maintenance.get(ctx.principal, fault.maintenanceEventId!) };
  }
}
