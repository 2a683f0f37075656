import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { auditHash, GENESIS_HASH } from './audit.hash';
import { toAuditEvent } from './audit.query';
import { checkpointPayload, CheckpointSigner, createSigner } from './audit.signing';

export type BreakReason =
  | 'SEQUENCE_GAP' // a row is missing (deleted)
  | 'PREV_HASH_MISMATCH' // a row does not link to the one before it (deleted, reordered or inserted)
  | 'HASH_MISMATCH' // a row's content no longer matches its hash (edited)
  | 'TIME_REGRESSION' // a row is dated before the one before it: AuditWriter never does that (rewritten)
  | 'CHECKPOINT_MISMATCH' // the row differs from what a signed checkpoint vouched for (chain rewritten)
  | 'CHECKPOINT_SIGNATURE_INVALID' // a checkpoint was forged or altered
  | 'ROWS_MISSING_AFTER_HEAD'; // a signed checkpoint lies beyond the last row (tail deleted)

export interface VerifyResult {
  valid: boolean;
  /** Rows whose links and hashes were checked. */
  checked: number;
  from: number;
  to: number;
  firstBrokenSequence?: number;
  reason?: BreakReason;
  message?: string;
  checkpoints: { enabled: boolean; keyId: string | null; verified: number; skipped: number };
}

const VERIFY_BATCH = 5000;

/**
 * Walks the hash chain in sequence order, in keyset batches (memory stays flat),
 * and reports the first place it breaks. With a signing key configured it also
 * checks every signed checkpoint in the range, which catches even a rewrite of
 * the whole chain with freshly computed hashes.
 */
@Injectable()
export class AuditVerifier {
  readonly signer: CheckpointSigner | undefined;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.signer = config.audit.signingKey ? createSigner(config.audit.signingKey) : undefined;
  }

  /** `from`/`to` are inclusive sequence numbers; `to` defaults to (and is capped at) the head. */
  async verify(range: { from?: bigint; to?: bigint } = {}): Promise<VerifyResult> {
    if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
      throw new DomainError('VALIDATION_FAILED', 'from must not be after to', { fields: [{ field: 'from', problems: ['from must not be after to'] }] });
    }
    const head = BigInt((await this.prisma.pg.query('SELECT coalesce(max(sequence), 0)::text AS head FROM audit_events')).rows[0].head);
    const from = range.from ?? 1n;
    const to = range.to === undefined || range.to > head ? head : range.to;
    let anchor: Anchor = { hash: GENESIS_HASH, occurredAt: new Date(0) };
    if (from > 1n && from <= to) {
      const before = await this.prisma.pg.query('SELECT hash, "occurredAt" FROM audit_events WHERE sequence = $1', [(from - 1n).toString()]);
      if (before.rows.length === 0) return this.broken(this.empty(from, to), from - 1n, 'SEQUENCE_GAP', `row ${from - 1n} (the link before the range) is missing`);
      anchor = before.rows[0];
    }
    const result = await this.walk(from, to, anchor, true);
    // Only an open-ended check can notice rows deleted from the end of the chain.
    if (result.valid && this.signer && (range.to === undefined || range.to >= head)) await this.checkTail(result, head);
    return result;
  }

  /** Checks rows from..to given row from-1 (genesis for 1). */
  async walk(from: bigint, to: bigint, anchor: Anchor, withCheckpoints: boolean): Promise<VerifyResult> {
    const result = this.empty(from, to);
    let expected = from;
    let prev = anchor.hash;
    let prevAt = anchor.occurredAt;
    while (expected <= to) {
      const { rows } = await this.prisma.pg.query('SELECT * FROM audit_events WHERE sequence >= $1 AND sequence <= $2 ORDER BY sequence LIMIT $3', [expected.toString(), to.toString(), VERIFY_BATCH]);
      if (rows.length === 0) return this.broken(result, expected, 'SEQUENCE_GAP', `row ${expected} is missing`);
      const events = rows.map(toAuditEvent);
      const checkpoints = withCheckpoints && this.signer ? await this.checkpointsBetween(events[0].sequence, events[events.length - 1].sequence) : new Map<bigint, CheckpointRow[]>();
      for (const e of events) {
        if (e.sequence !== expected) return this.broken(result, expected, 'SEQUENCE_GAP', `row ${expected} is missing (next row is ${e.sequence})`);
        if (e.prevHash !== prev) return this.broken(result, e.sequence, 'PREV_HASH_MISMATCH', `row ${e.sequence} does not link to row ${e.sequence - 1n}`);
        if (auditHash(e) !== e.hash) return this.broken(result, e.sequence, 'HASH_MISMATCH', `row ${e.sequence} was altered after it was written`);
        if (e.occurredAt < prevAt) return this.broken(result, e.sequence, 'TIME_REGRESSION', `row ${e.sequence} is dated before row ${e.sequence - 1n}`);
        for (const cp of checkpoints.get(e.sequence) ?? []) {
          if (!this.signatureValid(cp)) return this.broken(result, e.sequence, 'CHECKPOINT_SIGNATURE_INVALID', `the checkpoint at ${e.sequence} has an invalid signature`);
          if (cp.hash !== e.hash) return this.broken(result, e.sequence, 'CHECKPOINT_MISMATCH', `row ${e.sequence} differs from the signed checkpoint of ${cp.createdAt.toISOString()}`);
          result.checkpoints.verified += 1;
        }
        result.checked += 1;
        prev = e.hash;
        prevAt = e.occurredAt;
        expected += 1n;
      }
    }
    if (withCheckpoints && this.signer) {
      const other = await this.prisma.pg.query('SELECT count(*)::int AS n FROM audit_checkpoints WHERE sequence >= $1 AND sequence <= $2 AND "keyId" <> $3', [from.toString(), to.toString(), this.signer.keyId]);
      result.checkpoints.skipped = other.rows[0].n;
    }
    return result;
  }

  private async checkTail(result: VerifyResult, head: bigint): Promise<void> {
    const { rows } = await this.prisma.pg.query('SELECT * FROM audit_checkpoints WHERE "keyId" = $1 AND sequence > $2 ORDER BY sequence LIMIT 1', [this.signer!.keyId, head.toString()]);
    if (rows.length === 0) return;
    const cp = toCheckpointRow(rows[0]);
    if (!this.signatureValid(cp)) this.broken(result, cp.sequence, 'CHECKPOINT_SIGNATURE_INVALID', `the checkpoint at ${cp.sequence} has an invalid signature`);
    else this.broken(result, head + 1n, 'ROWS_MISSING_AFTER_HEAD', `a signed checkpoint vouches for row ${cp.sequence} but the chain ends at ${head}`);
  }

  private async checkpointsBetween(first: bigint, last: bigint): Promise<Map<bigint, CheckpointRow[]>> {
    const { rows } = await this.prisma.pg.query('SELECT * FROM audit_checkpoints WHERE "keyId" = $1 AND sequence >= $2 AND sequence <= $3', [this.signer!.keyId, first.toString(), last.toString()]);
    const map = new Map<bigint, CheckpointRow[]>();
    for (const r of rows.map(toCheckpointRow)) map.set(r.sequence, [...(map.get(r.sequence) ?? []), r]);
    return map;
  }

  signatureValid(cp: CheckpointRow): boolean {
    return !!this.signer && this.signer.verify(checkpointPayload(cp), cp.signature);
  }

  private empty(from: bigint, to: bigint): VerifyResult {
    return { valid: true, checked: 0, from: Number(from), to: Number(to), checkpoints: { enabled: !!this.signer, keyId: this.signer?.keyId ?? null, verified: 0, skipped: 0 } };
  }

  private broken(r: VerifyResult, at: bigint, reason: BreakReason, message: string): VerifyResult {
    return Object.assign(r, { valid: false, firstBrokenSequence: Number(at), reason, message });
  }
}

/** The row a walk starts after. */
export interface Anchor {
  hash: string;
  occurredAt: Date;
}

export interface CheckpointRow {
  id: string;
  sequence: bigint;
  hash: string;
  keyId: string;
  signature: string;
  createdAt: Date;
}

export const toCheckpointRow = (r: Record<string, unknown>): CheckpointRow => ({
  id: String(r.id),
  sequence: BigInt(r.sequence as string),
  hash: String(r.hash),
  keyId: String(r.keyId),
  signature: String(r.signature),
  createdAt: r.createdAt instanceof Date ? r.createdAt : new Date(String(r.createdAt)),
});
