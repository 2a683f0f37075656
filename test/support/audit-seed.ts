import { randomUUID } from 'node:crypto';
import type { ClientBase } from 'pg';
import { auditHash, GENESIS_HASH, HashedAuditFields } from '../../src/audit/audit.hash';

export type SeedRow = Omit<HashedAuditFields, 'sequence' | 'prevHash' | 'id'> & { id?: string };

const COLUMNS = [
  ['id', 'text'], ['sequence', 'bigint'], ['occurredAt', 'timestamptz'], ['type', 'text'], ['action', 'text'], ['outcome', 'text'],
  ['actorType', 'text'], ['actorId', 'text'], ['actorName', 'text'], ['resourceType', 'text'], ['resourceId', 'text'],
  ['resourceName', 'text'], ['poolId', 'text'], ['operationId', 'text'], ['requestId', 'text'], ['sourceIp', 'text'],
  ['userAgent', 'text'], ['fromStatus', 'text'], ['toStatus', 'text'], ['reason', 'text'], ['details', 'jsonb'],
  ['prevHash', 'text'], ['hash', 'text'],
] as const;

const INSERT = `INSERT INTO audit_events (${COLUMNS.map(([c]) => `"${c}"`).join(', ')})
  SELECT * FROM unnest(${COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')})`;

/**
 * Appends `count` rows with a valid hash chain, fast: hashes computed here,
 * rows inserted in multi-row batches (unnest of column arrays) in one
 * transaction holding the chain lock. Used by tests and by the benchmark.
 */
export async function seedAuditChain(client: ClientBase, count: number, make: (i: number) => SeedRow, opts: { batch?: number; onBatch?: (done: number) => void } = {}): Promise<{ first: bigint; last: bigint }> {
  const batch = opts.batch ?? 5000;
  await client.query('BEGIN');
  try {
    // The chain lock and head read that AuditWriter uses: seeded rows extend the live chain, never fork it.
    const head = (await client.query('SELECT head_sequence::text AS seq, head_hash AS hash FROM audit_chain_head()')).rows[0];
    let sequence = head ? BigInt(head.seq) : 0n;
    let prevHash: string = head ? head.hash : GENESIS_HASH;
    const first = sequence + 1n;
    for (let done = 0; done < count; ) {
      const n = Math.min(batch, count - done);
      const cols: unknown[][] = COLUMNS.map(() => new Array(n));
      for (let j = 0; j < n; j++) {
        const r = make(done + j);
        sequence += 1n;
        const fields: HashedAuditFields = { ...r, id: r.id ?? `evt-${randomUUID()}`, sequence, prevHash, details: r.details ?? null };
        const hash = auditHash(fields);
        const row: Record<string, unknown> = { ...fields, sequence: sequence.toString(), occurredAt: fields.occurredAt.toISOString(), details: fields.details === null ? null : JSON.stringify(fields.details), hash };
        COLUMNS.forEach(([c], k) => (cols[k][j] = row[c] ?? null));
        prevHash = hash;
      }
      await client.query(INSERT, cols);
      done += n;
      opts.onBatch?.(done);
    }
    await client.query('COMMIT');
    return { first, last: sequence };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A plausible event; `i` varies server, actor, action, outcome and time. */
export function sampleEvent(i: number, o: { start: Date; stepMs: number; servers: number; actors: number; pools: string[]; padding?: number; serverId?: (n: number) => string }): SeedRow {
  const server = i % o.servers;
  const actions = ['server.stop', 'server.start', 'server.restart', 'server.sync', 'server.rename'];
  const outcomes = ['ACCEPTED', 'SUCCEEDED', 'SUCCEEDED', 'FAILED', 'REJECTED'];
  const transition = i % 3 === 1;
  return {
    occurredAt: new Date(o.start.getTime() + i * o.stepMs),
    type: transition ? 'STATE_TRANSITION' : 'ACTION',
    action: actions[i % actions.length],
    outcome: outcomes[(i >> 2) % outcomes.length],
    actorType: 'API_KEY',
    actorId: `key-${i % o.actors}`,
    actorName: `actor ${i % o.actors}`,
    resourceType: 'server',
    resourceId: o.serverId ? o.serverId(server) : `srv-b${String(server).padStart(5, '0')}`,
    resourceName: `node-${server}`,
    poolId: o.pools[server % o.pools.length],
    operationId: `op-${Math.floor(i / 4)}`,
    requestId: `req-${Math.floor(i / 2)}`,
    sourceIp: '10.0.0.1',
    userAgent: 'bench',
    fromStatus: transition ? 'RUNNING' : null,
    toStatus: transition ? 'STOPPING' : null,
    reason: null,
    details: o.padding ? { note: 'x'.repeat(o.padding), i } : { i },
  };
}
