import { Injectable } from '@nestjs/common';
import type { Pool } from '../generated/prisma/client';
import type { Principal } from '../auth/principal';
import { canSeePool } from '../auth/principal';
import { notFound } from '../common/errors';
import { PrismaService } from '../database/prisma.service';

export interface PoolView {
  id: string;
  name: string;
  description: string;
  syncPolicy: string;
  hotStandby: { enabled: boolean; autoFailover: boolean };
  serverCount: number;
  statusCounts: Record<string, number>;
  createdAt: string;
}

@Injectable()
export class PoolsService {
  constructor(private readonly prisma: PrismaService) {}

  async list(p: Principal): Promise<{ items: PoolView[] }> {
    const pools = await this.prisma.pool.findMany({ where: p.poolIds === null ? {} : { id: { in: p.poolIds } }, orderBy: { id: 'asc' } });
    return { items: await this.views(pools) };
  }

  /** Batch read (GraphQL loaders): the pools among `ids` the principal may see. */
  async viewsByIds(p: Principal, ids: readonly string[]): Promise<PoolView[]> {
    const visible = ids.filter((id) => canSeePool(p, id));
    if (!visible.length) return [];
    return this.views(await this.prisma.pool.findMany({ where: { id: { in: visible } }, orderBy: { id: 'asc' } }));
  }

  private async views(pools: Pool[]): Promise<PoolView[]> {
    const counts = await this.prisma.server.groupBy({ by: ['poolId', 'status'], _count: { _all: true }, where: { poolId: { in: pools.map((x) => x.id) } } });
    return pools.map((pool) => this.toView(pool, counts.filter((c) => c.poolId === pool.id).map((c) => [c.status, c._count._all])));
  }

  async findVisible(p: Principal, id: string): Promise<Pool> {
    const pool = await this.prisma.pool.findUnique({ where: { id } });
    if (!pool || !canSeePool(p, pool.id)) throw notFound('Pool', id);
    return pool;
  }

  async get(p: Principal, id: string): Promise<PoolView> {
    const pool = await this.findVisible(p, id);
    const counts = await this.prisma.server.groupBy({ by: ['status'], _count: { _all: true }, where: { poolId: id } });
    return this.toView(pool, counts.map((c) => [c.status, c._count._all]));
  }

  private toView(pool: Pool, counts: [string, number][]): PoolView {
    return {
      id: pool.id,
      name: pool.name,
      description: pool.description,
      syncPolicy: pool.syncPolicy,
      hotStandby: { enabled: pool.hotStandbyEnabled, autoFailover: pool.autoFailover },
      serverCount: counts.reduce((n, [, c]) => n + c, 0),
      statusCounts: Object.fromEntries(counts),
      createdAt: pool.createdAt.toISOString(),
    };
  }
}
