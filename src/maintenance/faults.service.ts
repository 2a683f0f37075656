import { Injectable } from '@nestjs/common';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import { newId } from '../common/ids';
import { PrismaService, Tx } from '../database/prisma.service';
import type { HardwareFault } from '../providers/provider.interface';

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
 * API. (The maintenance / hot-standby domain reacts to new faults.)
 */
@Injectable()
export class FaultsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
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

    /** Inserts one fault with its audit row inside the caller's transaction. */
  async record(tx: Tx, serverId: string, report: FaultReport, actor: AuditInput['actor'], requestId?: string | null): Promise<string> {
    const server = await tx.server.findUniqueOrThrow({ where: { id: serverId } });
    const id = newId('fault');
    await tx.fault.create({
      data: { id, serverId, component: report.component, severity: report.severity, description: report.description, source: report.source, externalId: report.externalId },
    });
    await this.audit.append(tx, {
      type: 'FAULT',
      action: 'server.fault',
      outcome: 'SUCCEEDED',
      actor,
      resource: { type: 'server', id: server.id, name: server.name },
      poolId: server.poolId,
      requestId: requestId ?? null,
      reason: `${report.severity} ${report.component} fault: ${report.description}`.slice(0, 1000),
      details: { faultId: id, ...report },
    });
    return id;
  }
}
