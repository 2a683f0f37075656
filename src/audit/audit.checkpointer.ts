import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { newId } from '../common/ids';
import { decodeCursor, encodeCursor, Page } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { GENESIS_HASH } from './audit.hash';
import { CHECKPOINT_ALGORITHM, checkpointPayload } from './audit.signing';
import { AuditVerifier, CheckpointRow, toCheckpointRow } from './audit.verifier';

/** Serialises checkpointing across replicas (session lock: the walk may outlast a transaction timeout). */
const CHECKPOINT_LOCK = 72707372;

export interface CheckpointView {
  id: string;
  sequence: number;
  hash: string;
  keyId: string;
  signature: string;
  createdAt: string;
  /** The exact string that was signed. */
  payload: string;
}

export interface CheckpointPage extends Page<CheckpointView> {
  algorithm: string;
  keyId: string | null;
  publicKey: string | null;
}

const toView = (c: CheckpointRow): CheckpointView => ({
  id: c.id,
  sequence: Number(c.sequence),
  hash: c.hash,
  keyId: c.keyId,
  signature: c.signature,
  createdAt: c.createdAt.toISOString(),
  payload: checkpointPayload(c),
});

const isCursor = (v: unknown): v is { s: string; id: string } =>
  typeof v === 'object' && v !== null && typeof (v as { s: unknown }).s === 'string' && /^\d{1,19}$/.test((v as { s: string }).s) && typeof (v as { id: unknown }).id === 'string';

/**
 * Signs a digest of the chain head every AUDIT_CHECKPOINT_INTERVAL_MS when
 * AUDIT_SIGNING_KEY is set. Before signing it verifies the rows since the
 * previous checkpoint, so a checkpoint never vouches for a broken chain. One
 * replica at a time (advisory lock); the others find the head already signed.
 */
@Injectable()
export class AuditCheckpointer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AuditCheckpointer');
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<unknown>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly verifier: AuditVerifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.verifier.signer) return;
    this.timer = setInterval(() => {
      if (this.inflight) return;
      this.inflight = this.checkpoint()
        .catch((e) => this.logger.warn(`checkpoint failed: ${(e as Error).message}`))
        .finally(() => (this.inflight = undefined));
    }, this.config.audit.checkpointIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.inflight;
  }

  /** Signs the current head if it is not signed yet; null when there was nothing to do. */
  async checkpoint(): Promise<CheckpointView | null> {
    const signer = this.verifier.signer;
    if (!signer) return null;
    const client = await this.prisma.pg.connect();
    try {
      const locked = (await client.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [CHECKPOINT_LOCK])).rows[0].locked;
      if (!locked) return null;
      try {
        const head = (await client.query('SELECT sequence::text AS seq, hash FROM audit_events ORDER BY sequence DESC LIMIT 1')).rows[0];
        if (!head) return null;
        const last = (await client.query('SELECT c.sequence::text AS seq, c.hash, e."occurredAt" FROM audit_checkpoints c LEFT JOIN audit_events e ON e.sequence = c.sequence WHERE c."keyId" = $1 ORDER BY c.sequence DESC LIMIT 1', [signer.keyId])).rows[0];
        const headSeq = BigInt(head.seq);
        if (last && BigInt(last.seq) >= headSeq) return null;
        const from = last ? BigInt(last.seq) + 1n : 1n;
        // Anchored on the signed hash, not the row's: a row changed since then breaks the link.
        const check = await this.verifier.walk(from, headSeq, { hash: last ? last.hash : GENESIS_HASH, occurredAt: last?.occurredAt ?? new Date(0) }, false);
        if (!check.valid) {
          this.logger.error(`audit chain broken at ${check.firstBrokenSequence} (${check.reason}): not signing a checkpoint`);
          return null;
        }
        const cp: CheckpointRow = { id: newId('ckp'), sequence: headSeq, hash: head.hash, keyId: signer.keyId, signature: '', createdAt: new Date() };
        cp.signature = signer.sign(checkpointPayload(cp));
        const inserted = await client.query(
          'INSERT INTO audit_checkpoints (id, sequence, hash, "keyId", signature, "createdAt") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sequence, "keyId") DO NOTHING RETURNING id',
          [cp.id, cp.sequence.toString(), cp.hash, cp.keyId, cp.signature, cp.createdAt],
        );
        return inserted.rows.length ? toView(cp) : null;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [CHECKPOINT_LOCK]);
      }
    } finally {
      client.release();
    }
  }

  /** Newest first; every key's checkpoints, each with the payload it signs. */
  async list(f: { limit: number; cursor?: string }): Promise<CheckpointPage> {
    const after = decodeCursor(f.cursor, isCursor);
    const { rows } = after
      ? await this.prisma.pg.query('SELECT * FROM audit_checkpoints WHERE (sequence, id) < ($1::bigint, $2) ORDER BY sequence DESC, id DESC LIMIT $3', [after.s, after.id, f.limit + 1])
      : await this.prisma.pg.query('SELECT * FROM audit_checkpoints ORDER BY sequence DESC, id DESC LIMIT $1', [f.limit + 1]);
    const items = rows.slice(0, f.limit).map(toCheckpointRow);
    const lastItem = items[items.length - 1];
    return {
      algorithm: CHECKPOINT_ALGORITHM,
      keyId: this.verifier.signer?.keyId ?? null,
      publicKey: this.verifier.signer?.publicKeyPem ?? null,
      items: items.map(toView),
      nextCursor: rows.length > f.limit ? encodeCursor({ s: lastItem.sequence.toString(), id: lastItem.id }) : null,
    };
  }
}
