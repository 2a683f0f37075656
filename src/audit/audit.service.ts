import { Injectable } from '@nestjs/common';
import type { AuditEvent } from '../generated/prisma/client';
import type { Principal } from '../auth/principal';
import { DomainError } from '../common/errors';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import { PrismaService } from '../database/prisma.service';
import { ServersService } from '../servers/servers.service';
import { AuditFilter, AuditSql, toAuditEvent } from './audit.query';
import { toAuditView, toHistoryEntry, AuditEventView, HistoryEntry } from './audit.view';

export type Order = 'asc' | 'desc';
export type SummaryGroup = 'action' | 'actor' | 'outcome' | 'day';

export interface SummaryView {
  groupBy: SummaryGroup;
  from: string | null;
  to: string | null;
  total: number;
  groups: { key: string; count: number; name?: string }[];
  truncated: boolean;
}

/** Cursors carry the direction too, so a cursor can never silently page the wrong way. */
interface SeqCursor {
  s: string;
  o: Order;
}
const isSeqCursor = (v: unknown): v is SeqCursor =>
  typeof v === 'object' && v !== null && typeof (v as SeqCursor).s === 'string' && /^\d{1,19}$/.test((v as SeqCursor).s) && ((v as SeqCursor).o === 'asc' || (v as SeqCursor).o === 'desc');

const SUMMARY_MAX_GROUPS = 1000;
export const EXPORT_BATCH = 1000;

@Injectable()
export class AuditService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly servers: ServersService,
  ) {}

  /** Exact, stable cursor pagination in sequence order (sequence is unique and gap-free). */
  async list(p: Principal, f: AuditFilter & { order?: Order; limit: number; cursor?: string }): Promise<Page<AuditEventView>> {
    checkRange(f);
    const order = f.order ?? 'asc';
    const q = AuditSql.filtered(p, f);
    const after = this.cursorAfter(f.cursor, order);
    if (after !== undefined) q.and(`sequence ${order === 'asc' ? '>' : '<'} ${q.param(after)}::bigint`);
    const rows = await this.select(q, order, f.limit + 1);
    const items = rows.slice(0, f.limit);
    return {
      items: items.map(toAuditView),
      nextCursor: rows.length > f.limit ? encodeCursor({ s: items[items.length - 1].sequence.toString(), o: order } satisfies SeqCursor) : null,
    };
  }

  /**
   * Every matching event in batches, read by keyset on sequence, so memory stays
   * flat whatever the range. Capped at the head as of the first read: an export
   * is a fixed range even while new events keep arriving.
   */
  async *batches(p: Principal, f: AuditFilter & { order?: Order }, batchSize = EXPORT_BATCH): AsyncGenerator<AuditEvent[]> {
    checkRange(f);
    const order = f.order ?? 'asc';
    const head = await this.headSequence();
    let after: bigint | undefined;
    for (;;) {
      const q = AuditSql.filtered(p, f);
      q.and(`sequence <= ${q.param(head)}::bigint`);
      if (after !== undefined) q.and(`sequence ${order === 'asc' ? '>' : '<'} ${q.param(after)}::bigint`);
      const rows = await this.select(q, order, batchSize);
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].sequence;
    }
  }

  async summary(p: Principal, f: AuditFilter & { groupBy: SummaryGroup }): Promise<SummaryView> {
    checkRange(f);
    const q = AuditSql.filtered(p, f);
    const key = {
      action: 'action',
      outcome: 'outcome',
      actor: '"actorId"',
      day: `to_char(date_trunc('day', "occurredAt" AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
    }[f.groupBy];
    const name = f.groupBy === 'actor' ? ', max("actorName") AS name' : '';
    const orderBy = f.groupBy === 'day' ? 'key ASC' : 'count DESC, key ASC';
    const [groups, total] = await Promise.all([
      this.prisma.pg.query(`SELECT ${key} AS key, count(*)::bigint AS count${name} FROM audit_events ${q.where} GROUP BY 1 ORDER BY ${orderBy} LIMIT ${SUMMARY_MAX_GROUPS + 1}`, q.values),
      this.prisma.pg.query(`SELECT count(*)::bigint AS total FROM audit_events ${q.where}`, q.values),
    ]);
    return {
      groupBy: f.groupBy,
      from: f.from?.toISOString() ?? null,
      to: f.to?.toISOString() ?? null,
      total: Number(total.rows[0].total),
      groups: groups.rows.slice(0, SUMMARY_MAX_GROUPS).map((r) => ({ key: String(r.key), count: Number(r.count), ...(r.name !== undefined ? { name: String(r.name) } : {}) })),
      truncated: groups.rows.length > SUMMARY_MAX_GROUPS,
    };
  }

  /**
   * A server's timeline, newest first. Scoped like the server itself: a server
   * outside the caller's pools is a 404, and a visible server shows its whole
   * history (including rows written while it belonged to another pool).
   */
  async history(p: Principal, serverId: string, f: { limit: number; cursor?: string }): Promise<Page<HistoryEntry>> {
    await this.servers.findVisible(p, serverId);
    const q = new AuditSql().and(`"resourceType" = 'server'`);
    q.and(`"resourceId" = ${q.param(serverId)}`);
    const after = this.cursorAfter(f.cursor, 'desc');
    if (after !== undefined) q.and(`sequence < ${q.param(after)}::bigint`);
    const rows = await this.select(q, 'desc', f.limit + 1);
    const items = rows.slice(0, f.limit);
    return {
      items: items.map(toHistoryEntry),
      nextCursor: rows.length > f.limit ? encodeCursor({ s: items[items.length - 1].sequence.toString(), o: 'desc' } satisfies SeqCursor) : null,
    };
  }

  async headSequence(): Promise<bigint> {
    const r = await this.prisma.pg.query('SELECT coalesce(max(sequence), 0)::text AS head FROM audit_events');
    return BigInt(r.rows[0].head);
  }

  private async select(q: AuditSql, order: Order, limit: number): Promise<AuditEvent[]> {
    const r = await this.prisma.pg.query(`SELECT * FROM audit_events ${q.where} ORDER BY sequence ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT ${Number(limit)}`, q.values);
    return r.rows.map(toAuditEvent);
  }

  private cursorAfter(cursor: string | undefined, order: Order): bigint | undefined {
    const c = decodeCursor(cursor, isSeqCursor);
    if (!c) return undefined;
    if (c.o !== order) {
      throw new DomainError('VALIDATION_FAILED', `This cursor pages in ${c.o} order; the request asks for ${order}`, {
        fields: [{ field: 'cursor', problems: [`cursor was issued for order=${c.o}`] }],
      });
    }
    return BigInt(c.s);
  }
}

function checkRange(f: { from?: Date; to?: Date }): void {
  if (f.from && f.to && f.from.getTime() > f.to.getTime()) {
    throw new DomainError('VALIDATION_FAILED', 'from must not be after to', { fields: [{ field: 'from', problems: ['from must not be after to'] }] });
  }
}
