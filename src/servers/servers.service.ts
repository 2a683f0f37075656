import { Injectable } from '@nestjs/common';
import type { Prisma, Server } from '../generated/prisma/client';
import { actorOf, canSeePool, Principal } from '../auth/principal';
import { AuditWriter } from '../audit/audit.writer';
import { DomainError, notFound } from '../common/errors';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import type { RequestContext } from '../common/request-context';
import { PrismaService, Tx } from '../database/prisma.service';
import { allowedActions, assertTransition, decide, ServerAction, ServerStatus, ServerTask } from './server.state-machine';
import { toServerView, ServerView } from './server.view';
import { notifyServerChanged } from '../events/change-events';

export interface ServerFilter {
  status?: ServerStatus;
  poolId?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

/** A status/task write, applied as a compare-and-swap on `version`. */
export interface ServerChange {
  status?: ServerStatus;
  task?: ServerTask | null;
  statusReason?: string | null;
  data?: Prisma.ServerUpdateManyMutationInput;
}

@Injectable()
export class ServersService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /** Pool scoping: a server outside the principal's pools does not exist for it. */
  scopeWhere(p: Principal): Prisma.ServerWhereInput {
    return p.poolIds === null ? {} : { poolId: { in: p.poolIds } };
  }

  async list(p: Principal, f: ServerFilter): Promise<Page<ServerView>> {
    const after = decodeCursor(f.cursor, (v): v is string => typeof v === 'string');
    const where: Prisma.ServerWhereInput = {
      AND: [
        this.scopeWhere(p),
        f.status ? { status: f.status } : {},
        f.poolId ? { poolId: f.poolId } : {},
        f.q ? { name: { contains: f.q, mode: 'insensitive' } } : {},
        after ? { id: { gt: after } } : {},
      ],
    };
    const rows = await this.prisma.server.findMany({ where, orderBy: { id: 'asc' }, take: f.limit + 1, include: { image: { select: { id: true, name: true } } } });
    const items = rows.slice(0, f.limit).map((s) => toServerView(s));
    return { items, nextCursor: rows.length > f.limit ? encodeCursor(items[items.length - 1].id) : null };
  }

  /** Batch read (GraphQL loaders): the servers among `ids` the principal may see. */
  async viewsByIds(p: Principal, ids: readonly string[]): Promise<ServerView[]> {
    const rows = await this.prisma.server.findMany({ where: { AND: [this.scopeWhere(p), { id: { in: [...ids] } }] }, include: { image: { select: { id: true, name: true } } } });
    return rows.map((s) => toServerView(s));
  }

  /** Batch read (GraphQL loaders): the first `perPool` servers by id of each visible pool, optionally of one role. */
  async viewsByPools(p: Principal, poolIds: readonly string[], opts: { role?: 'ACTIVE' | 'STANDBY'; perPool: number }): Promise<ServerView[]> {
    const visible = poolIds.filter((id) => canSeePool(p, id));
    if (!visible.length) return [];
    const ids = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY "poolId" ORDER BY id) AS rn FROM servers
        WHERE "poolId" = ANY(${visible}::text[]) AND (${opts.role ?? null}::text IS NULL OR role::text = ${opts.role ?? null}::text)) x
      WHERE rn <= ${opts.perPool}`;
    if (!ids.length) return [];
    const rows = await this.prisma.server.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: { id: 'asc' }, include: { image: { select: { id: true, name: true } } } });
    return rows.map((s) => toServerView(s));
  }

  /** Reads a server the principal may see, or throws NOT_FOUND. */
  async findVisible(p: Principal, id: string, tx: Tx = this.prisma): Promise<Server> {
    const s = await tx.server.findUnique({ where: { id } });
    if (!s || !canSeePool(p, s.poolId)) throw notFound('Server', id);
    return s;
  }

  /** One query: the server with its image name, then the pool-scope check. */
  async get(p: Principal, id: string): Promise<ServerView> {
    const s = await this.prisma.server.findUnique({ where: { id }, include: { image: { select: { id: true, name: true } } } });
    if (!s || !canSeePool(p, s.poolId)) throw notFound('Server', id);
    return toServerView(s);
  }

  async view(id: string): Promise<ServerView> {
    const s = await this.prisma.server.findUniqueOrThrow({ where: { id }, include: { image: { select: { id: true, name: true } } } });
    return toServerView(s);
  }

  async rename(ctx: RequestContext, id: string, name: string, expectedVersion?: number): Promise<ServerView> {
    const server = await this.findVisible(ctx.principal, id);
    if (expectedVersion !== undefined && expectedVersion !== server.version) {
      throw new DomainError('PRECONDITION_FAILED', `Server ${id} has version ${server.version}, not ${expectedVersion}`, { currentVersion: server.version });
    }
    await this.prisma.$transaction(async (tx) => {
      const n = await tx.server.updateMany({ where: { id, version: server.version }, data: { name, version: { increment: 1 } } });
      if (n.count === 0) {
        throw new DomainError(expectedVersion !== undefined ? 'PRECONDITION_FAILED' : 'CONFLICT', `Server ${id} was changed concurrently; retry`);
      }
      await this.audit.append(tx, {
        type: 'ACTION',
        action: 'server.rename',
        outcome: 'SUCCEEDED',
        actor: actorOf(ctx.principal),
        resource: { type: 'server', id, name },
        poolId: server.poolId,
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
        userAgent: ctx.userAgent,
        details: { from: server.name, to: name },
      });
    });
    return this.view(id);
  }

  /** The 409 a refused action gets: what the server is and what it allows. */
  invalidState(server: Pick<Server, 'id' | 'status' | 'task'>, action: ServerAction, reason?: string): DomainError {
    const decision = decide(action, server);
    return new DomainError('INVALID_STATE', reason ?? (decision.ok ? `Cannot ${action} server now` : decision.reason), {
      serverId: server.id,
      action,
      currentStatus: server.status,
      task: server.task,
      allowedOperations: allowedActions(server),
    });
  }

  /**
   * Compare-and-swap of a server's status/task on `version`, checked against
   * the state machine. Returns the new row, or null if someone else changed the
   * server first (the caller decides whether that is a 409 or a skip).
   */
  async casUpdate(tx: Tx, server: Server, change: ServerChange): Promise<Server | null> {
    if (change.status !== undefined && change.status !== server.status) assertTransition(server.status, change.status);
    const data: Prisma.ServerUpdateManyMutationInput = { ...change.data, version: { increment: 1 } };
    if (change.status !== undefined) {
      data.status = change.status;
      if (change.status === 'RUNNING' && server.status !== 'RUNNING') data.runningSince = new Date();
      if (change.status !== 'RUNNING') data.runningSince = null;
    }
    if (change.task !== undefined) data.task = change.task;
    if (change.statusReason !== undefined) data.statusReason = change.statusReason;
    const n = await tx.server.updateMany({ where: { id: server.id, version: server.version }, data });
    if (n.count === 0) return null;
    const updated = await tx.server.findUniqueOrThrow({ where: { id: server.id } });
    if (updated.status !== server.status || updated.task !== server.task) {
      await notifyServerChanged(tx, { serverId: updated.id, poolId: updated.poolId, status: updated.status, previousStatus: server.status, task: updated.task, version: updated.version });
    }
    return updated;
  }
}
