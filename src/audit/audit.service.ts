import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import type { Principal } from '../auth/principal';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import { PrismaService } from '../database/prisma.service';
import { toAuditView, AuditEventView } from './audit.view';

export interface AuditFilter {
  resourceId?: string;
  resourceType?: string;
  action?: string;
  type?: string;
  outcome?: string;
  actorId?: string;
  poolId?: string;
  operationId?: string;
  requestId?: string;
  from?: Date;
  to?: Date;
  order?: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

@Injectable()
export class AuditService {
  constructor(private readonly prisma: PrismaService) {}

  where(p: Principal, f: Omit<AuditFilter, 'limit' | 'cursor' | 'order'>): Prisma.AuditEventWhereInput {
    return {
      AND: [
        p.poolIds === null ? {} : { poolId: { in: p.poolIds } },
        {
          resourceId: f.resourceId,
          resourceType: f.resourceType,
          action: f.action,
          type: f.type,
          outcome: f.outcome,
          actorId: f.actorId,
          poolId: f.poolId,
          operationId: f.operationId,
          requestId: f.requestId,
        },
        f.from || f.to ? { occurredAt: { gte: f.from, lt: f.to } } : {},
      ],
    };
  }

  /** Stable cursor pagination in sequence order. */
  async list(p: Principal, f: AuditFilter): Promise<Page<AuditEventView>> {
    const order = f.order ?? 'asc';
    const after = decodeCursor(f.cursor, (v): v is string => typeof v === 'string' && /^\d+$/.test(v));
    const where: Prisma.AuditEventWhereInput = {
      AND: [this.where(p, f), after ? { sequence: order === 'asc' ? { gt: BigInt(after) } : { lt: BigInt(after) } } : {}],
    };
    const rows = await this.prisma.auditEvent.findMany({ where, orderBy: { sequence: order }, take: f.limit + 1 });
    const items = rows.slice(0, f.limit);
    return {
      items: items.map(toAuditView),
      nextCursor: rows.length > f.limit ? encodeCursor(items[items.length - 1].sequence.toString()) : null,
    };
  }
}
