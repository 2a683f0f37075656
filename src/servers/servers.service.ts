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
import { notifyServerChanged, SERVER_CHANNEL } from '../events/change-events';

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

/** A server row with its image's name, as the raw read paths select it (pg returns enums as text, timestamptz as Date, jsonb parsed). */
type ServerRow = Server & { imageName: string | null };
// Columns listed, not `*`: a prepared statement's result shape must not change under a rolling migration.
const SERVER_COLUMNS = 's.id, s.name, s."poolId", s.role, s.status, s."statusReason", s.task, s."acceleratorType", s."acceleratorModel", s."acceleratorCount", s.vcpus, s."memoryGib", s.architecture, s.flavor, s."vpcId", s."subnetId", s."ipAddress", s."systemDiskType", s."systemDiskSizeGb", s."dataDisks", s."imageId", s."driverVersion", s."firmwareVersion", s."runningSince", s."lastSyncedAt", s.version, s."createdAt", s."updatedAt"';
const SERVER_SELECT = `SELECT ${SERVER_COLUMNS}, i.name AS "imageName" FROM servers s LEFT JOIN images i ON i.id = s."imageId"`;
const withImage = ({ imageName, ...s }: ServerRow) => ({ ...s, image: imageName === null ? null : { id: s.imageId, name: imageName } });

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
    // Hot path: one parameterised statement on the shared pool (same filters and
    // order as the Prisma query it replaces; the indexes on (poolId, id) and (status, id) serve it).
    const values: unknown[] = [];
    const where: string[] = [];
    const param = (v: unknown) => `$${values.push(v)}`;
    if (p.poolIds !== null) where.push(`s."poolId" = ANY(${param(p.poolIds)}::text[])`);
    if (f.status) where.push(`s.status = ${param(f.status)}::"ServerStatus"`);
    if (f.poolId) where.push(`s."poolId" = ${param(f.poolId)}`);
    // A substring, not a pattern: LIKE wildcards in q match themselves.
    if (f.q) where.push(`s.name ILIKE '%' || ${param(f.q.replace(/[\\%_]/g, (c) => `\\${c}`))} || '%'`);
    if (after) where.push(`s.id > ${param(after)}`);
    const sql = `${SERVER_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.id LIMIT ${param(f.limit + 1)}`;
    const { rows } = await this.prisma.pg.query<ServerRow>(sql, values);
    const now = Date.now();
    const items = rows.slice(0, f.limit).map((s) => toServerView(withImage(s), now));
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
    // Outside a transaction (the common case: before accepting an action) a prepared statement on the shared pool.
    const s: Server | null = tx === this.prisma
      ? ((await this.prisma.pg.query<Server>({ name: 'server_row_by_id', text: `SELECT ${SERVER_COLUMNS} FROM servers s WHERE s.id = $1`, values: [id] })).rows[0] ?? null)
      : await tx.server.findUnique({ where: { id } });
    if (!s || !canSeePool(p, s.poolId)) throw notFound('Server', id);
    return s;
  }

  /** One query: the server with its image name, then the pool-scope check. */
  async get(p: Principal, id: string): Promise<ServerView> {
    // Hot path: a prepared statement on the shared pool rather than Prisma (same row, same view).
    const { rows } = await this.prisma.pg.query<ServerRow>({ name: 'server_by_id', text: `${SERVER_SELECT} WHERE s.id = $1`, values: [id] });
    const s = rows[0];
    if (!s || !canSeePool(p, s.poolId)) throw notFound('Server', id);
    return toServerView(withImage(s));
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
  /**
   * The compare-and-swap of casUpdate for a status/task claim (accepting an
   * action), in ONE statement with its change notification and without
   * re-reading the row: the acceptance transaction holds the audit chain lock
   * until commit, so every round trip in it counts. True if the claim won.
   */
  async casClaim(tx: Tx, server: Server, change: { status?: ServerStatus; task: ServerTask | null }): Promise<boolean> {
    const status = change.status ?? server.status;
    if (status !== server.status) assertTransition(server.status, status);
    // As casUpdate: RUNNING keeps its start time, entering RUNNING starts it, any other status clears it.
    const keepRunningSince = status === 'RUNNING' && server.status === 'RUNNING';
    const runningSince = status === 'RUNNING' ? new Date() : null;
    const notify = status !== server.status || change.task !== server.task;
    const payload = JSON.stringify({ serverId: server.id, poolId: server.poolId, status, previousStatus: server.status, task: change.task, version: server.version + 1 });
    const rows = await tx.$queryRaw<unknown[]>`
      WITH u AS (
        UPDATE servers SET status = ${status}::"ServerStatus", task = ${change.task}::"ServerTask", "statusReason" = NULL,
          "runningSince" = CASE WHEN ${keepRunningSince} THEN "runningSince" ELSE ${runningSince}::timestamptz END, version = version + 1, "updatedAt" = ${new Date()}::timestamptz
        WHERE id = ${server.id} AND version = ${server.version} RETURNING id)
      SELECT u.id, (CASE WHEN ${notify} THEN pg_notify(${SERVER_CHANNEL}, ${payload}) END)::text AS notified FROM u`;
    return rows.length === 1;
  }

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
