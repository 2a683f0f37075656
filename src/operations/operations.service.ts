import { Inject, Injectable, forwardRef } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Operation, OperationType, Prisma, Server } from '../generated/prisma/client';
import { actorOf, canSeePool, Principal } from '../auth/principal';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import { canonicalJson } from '../audit/audit.hash';
import { APP_CONFIG, AppConfig } from '../config/config';
import { DomainError, notFound } from '../common/errors';
import { newId } from '../common/ids';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import type { RequestContext } from '../common/request-context';
import { PrismaService, Tx } from '../database/prisma.service';
import { decide, ServerAction } from '../servers/server.state-machine';
import { ServersService } from '../servers/servers.service';
import { standbyRefusal } from '../standby/standby.policy';
import { OperationWorker } from './operation.worker';
import { notifyOperationChanged } from '../events/change-events';
import { toOperationView, OperationView } from './operation.view';

export interface ActionRequest {
  action: ServerAction;
  type: OperationType;
  serverId: string;
  params?: Record<string, unknown>;
  idempotencyKey?: string;
  /** Further preconditions (image compatibility, ...), run before acceptance. */
  precheck?: (server: Server) => Promise<void>;
  /** Extra writes in the acceptance transaction (e.g. a CREATING image row). */
  onAccept?: (tx: Tx, server: Server, operationId: string) => Promise<AuditInput[] | void>;
}

export interface Accepted {
  operation: OperationView;
  replayed: boolean;
}

/** Audit action name of a lifecycle action: `server.stop`, `server.switch-os`. */
export const auditAction = (action: ServerAction) => `server.${action}`;

@Injectable()
export class OperationsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly servers: ServersService,
    @Inject(forwardRef(() => OperationWorker)) private readonly worker: OperationWorker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Accepts a lifecycle action as a durable operation: the state-machine check,
   * the compare-and-swap of the server, the operation row, the idempotency
   * record and the audit rows commit together, or not at all.
   */
  async request(ctx: RequestContext, req: ActionRequest, attempt = 1): Promise<Accepted> {
    const requestHash = createHash('sha256')
      .update(canonicalJson({ action: req.action, serverId: req.serverId, params: req.params ?? {} }))
      .digest('hex');
    const replay = await this.replay(ctx.principal, req.idempotencyKey, requestHash);
    if (replay) return replay;

    const server = await this.servers.findVisible(ctx.principal, req.serverId);
    const standby = standbyRefusal(ctx.principal, server, req.action);
    if (standby) return this.reject(ctx, req, server, standby);
    const decision = decide(req.action, server);
    if (!decision.ok) {
      // A concurrent retry with the same key may have committed between our
      // first replay check and this read: replay it rather than refuse.
      const again = await this.replay(ctx.principal, req.idempotencyKey, requestHash);
      if (again) return again;
      return this.reject(ctx, req, server, this.servers.invalidState(server, req.action));
    }
    if (req.precheck) {
      try {
        await req.precheck(server);
      } catch (e) {
        return this.reject(ctx, req, server, e);
      }
    }

    const operationId = newId('op');
    let created: Operation | undefined;
    try {
      await this.prisma.$transaction(async (tx) => {
        if (req.idempotencyKey) {
          // First in the transaction: a concurrent retry with the same key waits
          // here for this one to commit, then replays it.
          await tx.idempotencyRecord.create({
            data: { principalId: ctx.principal.id, key: req.idempotencyKey, requestHash, operationId },
          });
        }
        // Actions that take the server (a task or a new status) claim it by CAS;
        // sync runs beside anything and writes nothing here.
        if (decision.enter || decision.task) {
          if (!(await this.servers.casClaim(tx, server, { status: decision.enter, task: decision.task ?? null }))) throw new CasLost();
        }
        created = await tx.operation.create({
          data: {
            id: operationId,
            type: req.type,
            serverId: server.id,
            params: (req.params ?? {}) as Prisma.InputJsonValue,
            requestedById: ctx.principal.id,
            requestedByType: ctx.principal.type,
            requestedByName: ctx.principal.name,
            requestId: ctx.requestId,
          },
        });
        await notifyOperationChanged(tx, { operationId, serverId: server.id, type: req.type, status: 'PENDING' });
        const extra = (await req.onAccept?.(tx, server, operationId)) ?? [];
        const base = this.auditBase(ctx, server, operationId);
        const rows: AuditInput[] = [
          { ...base, type: 'ACTION', action: auditAction(req.action), outcome: 'ACCEPTED', details: { params: req.params ?? {}, idempotencyKey: req.idempotencyKey ?? null } },
        ];
        if (decision.enter && decision.enter !== server.status) {
          rows.push({ ...base, type: 'STATE_TRANSITION', action: auditAction(req.action), outcome: 'SUCCEEDED', fromStatus: server.status, toStatus: decision.enter, reason: `${req.action} accepted` });
        }
        await this.audit.append(tx, [...rows, ...extra]);
      });
    } catch (e) {
      // A precondition re-checked under lock in onAccept (image still AVAILABLE, name still free).
      if (e instanceof DomainError) return this.reject(ctx, req, server, e);
      if (e instanceof CasLost || isUniqueViolation(e)) {
        const again = await this.replay(ctx.principal, req.idempotencyKey, requestHash);
        if (again) return again;
        const current = await this.servers.findVisible(ctx.principal, req.serverId);
        // Lost to a change that still allows the action (a rename bumped the version): try again.
        if (decide(req.action, current).ok && attempt < MAX_CAS_ATTEMPTS) return this.request(ctx, req, attempt + 1);
        return this.reject(ctx, req, current, this.servers.invalidState(current, req.action));
      }
      throw e;
    }
    this.worker.kick();
    // Without an onAccept hook the row as inserted is the row as committed (no re-read);
    // a hook may update it (create-image records the new image's id in params).
    const op = req.onAccept ? await this.prisma.operation.findUniqueOrThrow({ where: { id: operationId } }) : created!;
    return { operation: toOperationView(op), replayed: false };
  }

  private async replay(p: Principal, key: string | undefined, requestHash: string): Promise<Accepted | undefined> {
    if (!key) return undefined;
    const rec = await this.prisma.idempotencyRecord.findUnique({ where: { principalId_key: { principalId: p.id, key } } });
    if (!rec) return undefined;
    if (Date.now() - rec.createdAt.getTime() > this.config.idempotencyTtlHours * 3_600_000) {
      // Expired: forget it, and treat the request as new.
      await this.prisma.idempotencyRecord.deleteMany({ where: { principalId: p.id, key, createdAt: rec.createdAt } });
      return undefined;
    }
    if (rec.requestHash !== requestHash) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request', { idempotencyKey: key });
    }
    const op = rec.operationId ? await this.prisma.operation.findUnique({ where: { id: rec.operationId } }) : null;
    if (!op) throw new DomainError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being processed', { idempotencyKey: key });
    return { operation: toOperationView(op), replayed: true };
  }

  /** Records a refused request in the audit trail (its own transaction), then throws. */
  private async reject(ctx: RequestContext, req: ActionRequest, server: Server, err: unknown): Promise<never> {
    const e = err as DomainError;
    await this.audit.appendNow({
      ...this.auditBase(ctx, server, null),
      type: 'ACTION',
      action: auditAction(req.action),
      outcome: 'REJECTED',
      reason: e instanceof DomainError ? `${e.code}: ${e.message}` : 'rejected',
      fromStatus: server.status,
      details: { params: req.params ?? {}, task: server.task },
    });
    throw err;
  }

  auditBase(ctx: RequestContext, server: Pick<Server, 'id' | 'name' | 'poolId'>, operationId: string | null) {
    return {
      actor: actorOf(ctx.principal),
      resource: { type: 'server', id: server.id, name: server.name },
      poolId: server.poolId,
      operationId,
      requestId: ctx.requestId,
      sourceIp: ctx.sourceIp,
      userAgent: ctx.userAgent,
    };
  }

  async get(p: Principal, id: string): Promise<OperationView> {
    const op = await this.prisma.operation.findUnique({ where: { id }, include: { server: { select: { poolId: true } } } });
    if (!op || !canSeePool(p, op.server.poolId)) throw notFound('Operation', id);
    return toOperationView(op);
  }

  private scopeWhere(p: Principal): Prisma.OperationWhereInput {
    return p.poolIds === null ? {} : { server: { poolId: { in: p.poolIds } } };
  }

  /** Batch read (GraphQL loaders): each server's unfinished operation, newest first. */
  async currentForServers(p: Principal, serverIds: readonly string[]): Promise<OperationView[]> {
    const rows = await this.prisma.operation.findMany({
      where: { AND: [this.scopeWhere(p), { serverId: { in: [...serverIds] }, status: { in: ['PENDING', 'RUNNING'] } }] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return rows.map(toOperationView);
  }

  /** Batch read (GraphQL loaders): the `perServer` newest operations of each server. */
  async recentForServers(p: Principal, serverIds: readonly string[], perServer: number): Promise<OperationView[]> {
    if (!serverIds.length) return [];
    const ids = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY "serverId" ORDER BY "createdAt" DESC, id DESC) AS rn FROM operations
        WHERE "serverId" = ANY(${[...serverIds]}::text[])) x
      WHERE rn <= ${perServer}`;
    if (!ids.length) return [];
    const rows = await this.prisma.operation.findMany({
      where: { AND: [this.scopeWhere(p), { id: { in: ids.map((r) => r.id) } }] },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    return rows.map(toOperationView);
  }

  async list(p: Principal, f: { serverId?: string; status?: Operation['status']; type?: OperationType; limit: number; cursor?: string }): Promise<Page<OperationView>> {
    const after = decodeCursor(f.cursor, (v): v is [string, string] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string'));
    const where: Prisma.OperationWhereInput = {
      AND: [
        this.scopeWhere(p),
        f.serverId ? { serverId: f.serverId } : {},
        f.status ? { status: f.status } : {},
        f.type ? { type: f.type } : {},
        after ? { OR: [{ createdAt: { lt: new Date(after[0]) } }, { createdAt: new Date(after[0]), id: { lt: after[1] } }] } : {},
      ],
    };
    const rows = await this.prisma.operation.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: f.limit + 1 });
    const items = rows.slice(0, f.limit);
    const last = items[items.length - 1];
    return { items: items.map(toOperationView), nextCursor: rows.length > f.limit ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
  }
}

class CasLost extends Error {}

/** Acceptances retried after losing the compare-and-swap to a change that still allows the action. */
const MAX_CAS_ATTEMPTS = 3;

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === 'P2002';
