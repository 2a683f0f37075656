import type { AuditEvent } from '../generated/prisma/client';
import type { Principal } from '../auth/principal';

/** Every filter the audit reports accept; one definition for list, export and summary. */
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
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

const MAX_BIGINT = '9223372036854775807';

const EQUALITY: (keyof AuditFilter)[] = ['resourceId', 'resourceType', 'action', 'type', 'outcome', 'actorId', 'poolId', 'operationId', 'requestId'];

/**
 * A parameterised WHERE clause over audit_events. Raw SQL (on Prisma's own pg
 * pool) rather than Prisma queries, so that batched exports, the summary's
 * GROUP BY and chain verification all share exactly the same filter.
 */
export class AuditSql {
  readonly values: unknown[] = [];
  private readonly conds: string[] = [];

  static filtered(p: Principal, f: AuditFilter): AuditSql {
    const q = new AuditSql();
    if (p.poolIds !== null) q.and(`"poolId" = ANY(${q.param(p.poolIds)}::text[])`);
    for (const k of EQUALITY) {
      const v = f[k];
      if (v !== undefined) q.and(`"${k}" = ${q.param(v)}`);
    }
    if (f.from) {
      const from = q.param(f.from);
      q.and(`"occurredAt" >= ${from}`);
      // occurredAt never decreases along the chain (AuditWriter), so the range is also a sequence
      // range. Saying so keeps the planner off a sequence-ordered scan of every older row.
      q.and(`sequence >= coalesce((SELECT min(sequence) FROM audit_events WHERE "occurredAt" = (SELECT min("occurredAt") FROM audit_events WHERE "occurredAt" >= ${from})), ${MAX_BIGINT})`);
    }
    if (f.to) {
      const to = q.param(f.to);
      q.and(`"occurredAt" < ${to}`);
      q.and(`sequence <= coalesce((SELECT max(sequence) FROM audit_events WHERE "occurredAt" = (SELECT max("occurredAt") FROM audit_events WHERE "occurredAt" < ${to})), 0)`);
    }
    return q;
  }

  param(v: unknown): string {
    this.values.push(typeof v === 'bigint' ? v.toString() : v);
    return `$${this.values.length}`;
  }

  and(cond: string): this {
    this.conds.push(cond);
    return this;
  }

  get where(): string {
    return this.conds.length ? `WHERE ${this.conds.join(' AND ')}` : '';
  }
}

type Row = Record<string, unknown>;
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A raw audit_events row (node-postgres types) as the Prisma model. */
export function toAuditEvent(r: Row): AuditEvent {
  return {
    id: String(r.id),
    sequence: BigInt(r.sequence as string),
    occurredAt: r.occurredAt instanceof Date ? r.occurredAt : new Date(String(r.occurredAt)),
    type: String(r.type),
    action: String(r.action),
    outcome: String(r.outcome),
    actorType: String(r.actorType),
    actorId: String(r.actorId),
    actorName: String(r.actorName),
    resourceType: String(r.resourceType),
    resourceId: str(r.resourceId),
    resourceName: str(r.resourceName),
    poolId: str(r.poolId),
    operationId: str(r.operationId),
    requestId: str(r.requestId),
    sourceIp: str(r.sourceIp),
    userAgent: str(r.userAgent),
    fromStatus: str(r.fromStatus),
    toStatus: str(r.toStatus),
    reason: str(r.reason),
    details: (r.details ?? null) as AuditEvent['details'],
    prevHash: String(r.prevHash),
    hash: String(r.hash),
  };
}
