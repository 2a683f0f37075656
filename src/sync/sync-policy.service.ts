import { Injectable } from '@nestjs/common';
import type { Pool } from '../generated/prisma/client';
import { actorOf, Principal } from '../auth/principal';
import { AuditWriter } from '../audit/audit.writer';
import { DomainError } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { PrismaService } from '../database/prisma.service';
import { PoolsService } from '../pools/pools.service';
import type { SyncPolicy } from './sync.policy';

export interface SyncPolicyView {
  poolId: string;
  policy: SyncPolicy;
  version: number;
  updatedAt: string;
}

const toView = (p: Pool): SyncPolicyView => ({ poolId: p.id, policy: p.syncPolicy, version: p.version, updatedAt: p.updatedAt.toISOString() });

/** Per-pool drift policy of the status-sync poller. */
@Injectable()
export class SyncPolicyService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly pools: PoolsService,
  ) {}

  async get(p: Principal, poolId: string): Promise<SyncPolicyView> {
    return toView(await this.pools.findVisible(p, poolId));
  }

  /** Sets the policy (CAS on the pool's version) with its audit row; takes effect on the next check. */
  async set(ctx: RequestContext, poolId: string, policy: SyncPolicy): Promise<SyncPolicyView> {
    const pool = await this.pools.findVisible(ctx.principal, poolId);
    if (pool.syncPolicy === policy) return toView(pool);
    await this.prisma.$transaction(async (tx) => {
      const n = await tx.pool.updateMany({ where: { id: poolId, version: pool.version }, data: { syncPolicy: policy, version: { increment: 1 } } });
      if (n.count === 0) throw new DomainError('CONFLICT', `Pool ${poolId} was changed concurrently; retry`);
      await this.audit.append(tx, {
        type: 'CONFIG',
        action: 'pool.sync-policy',
        outcome: 'SUCCEEDED',
        actor: actorOf(ctx.principal),
        resource: { type: 'pool', id: pool.id, name: pool.name },
        poolId: pool.id,
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
        userAgent: ctx.userAgent,
        reason: `sync policy ${pool.syncPolicy} -> ${policy}`,
        details: { from: pool.syncPolicy, to: policy },
      });
    });
    return toView(await this.pools.findVisible(ctx.principal, poolId));
  }
}
