import { Injectable } from '@nestjs/common';
import type { Prisma } from '../generated/prisma/client';
import { newId } from '../common/ids';
import type { Tx } from '../database/prisma.service';
import { PrismaService } from '../database/prisma.service';
import { GENESIS_HASH, auditHash } from './audit.hash';

export type AuditType = 'ACTION' | 'STATE_TRANSITION' | 'AUTH' | 'FAULT' | 'MAINTENANCE' | 'SYNC' | 'CONFIG';
export type AuditOutcome = 'ACCEPTED' | 'SUCCEEDED' | 'FAILED' | 'REJECTED' | 'DENIED';

export interface AuditInput {
  type: AuditType;
  action: string;
  outcome: AuditOutcome;
  actor: { type: string; id: string; name: string };
  resource: { type: string; id?: string | null; name?: string | null };
  poolId?: string | null;
  operationId?: string | null;
  requestId?: string | null;
  sourceIp?: string | null;
  userAgent?: string | null;
  fromStatus?: string | null;
  toStatus?: string | null;
  reason?: string | null;
  details?: Record<string, unknown> | null;
}

// Appends to the one hash chain are serialised across every connection and replica by an
// advisory lock taken inside the SQL function audit_chain_head() (migration *_audit_chain_head).

/**
 * Appends to the audit trail inside the caller's transaction: the rows commit
 * or roll back with the change they record. Call it last in a transaction, so
 * the chain lock is held for as short a time as possible.
 */
@Injectable()
export class AuditWriter {
  constructor(private readonly prisma: PrismaService) {}

  async append(tx: Tx, events: AuditInput | AuditInput[]): Promise<void> {
    const list = Array.isArray(events) ? events : [events];
    if (list.length === 0) return;
    // Takes the chain lock (held until commit) and then reads the head, in one round trip.
    const [head] = await tx.$queryRaw<{ head_sequence: bigint; head_hash: string; head_occurred_at: Date }[]>`SELECT head_sequence, head_hash, head_occurred_at FROM audit_chain_head()`;
    let sequence = head ? BigInt(head.head_sequence) : 0n;
    let prevHash = head?.head_hash ?? GENESIS_HASH;
    // Never earlier than the row before, whatever a replica's clock says: time order is chain
    // order, so a time range is a contiguous sequence range (AuditSql relies on it).
    const now = new Date();
    const occurredAt = head && head.head_occurred_at > now ? head.head_occurred_at : now;
    const rows: Prisma.AuditEventCreateManyInput[] = list.map((e) => {
      sequence += 1n;
      const fields = {
        id: newId('evt'),
        sequence,
        occurredAt,
        type: e.type,
        action: e.action,
        outcome: e.outcome,
        actorType: e.actor.type,
        actorId: e.actor.id,
        actorName: e.actor.name,
        resourceType: e.resource.type,
        resourceId: e.resource.id ?? null,
        resourceName: e.resource.name ?? null,
        poolId: e.poolId ?? null,
        operationId: e.operationId ?? null,
        requestId: e.requestId ?? null,
        sourceIp: e.sourceIp ?? null,
        userAgent: e.userAgent ?? null,
        fromStatus: e.fromStatus ?? null,
        toStatus: e.toStatus ?? null,
        reason: e.reason ?? null,
        details: (e.details ?? null) as Prisma.InputJsonValue | null,
        prevHash,
      };
      // JSON round-trip so the hash covers exactly what jsonb will return.
      fields.details = fields.details === null ? null : JSON.parse(JSON.stringify(fields.details));
      const hash = auditHash(fields);
      prevHash = hash;
      return { ...fields, details: fields.details ?? undefined, hash } as Prisma.AuditEventCreateManyInput;
    });
    await tx.auditEvent.createMany({ data: rows });
  }

  /** For records that stand alone (refusals, denials): their own transaction. */
  async appendNow(events: AuditInput | AuditInput[]): Promise<void> {
    await this.prisma.$transaction((tx) => this.append(tx, events));
  }
}
