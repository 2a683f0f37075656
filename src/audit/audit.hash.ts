import { createHash } from 'node:crypto';

/** The genesis link of the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Deterministic JSON: object keys sorted at every depth, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fields a row's hash covers: everything but the hash itself. */
export interface HashedAuditFields {
  id: string;
  sequence: bigint;
  occurredAt: Date;
  type: string;
  action: string;
  outcome: string;
  actorType: string;
  actorId: string;
  actorName: string;
  resourceType: string;
  resourceId: string | null;
  resourceName: string | null;
  poolId: string | null;
  operationId: string | null;
  requestId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string | null;
  details: unknown;
  prevHash: string;
}

export function auditHash(row: HashedAuditFields): string {
  const canonical = canonicalJson({
    id: row.id,
    sequence: row.sequence.toString(),
    occurredAt: row.occurredAt.toISOString(),
    type: row.type,
    action: row.action,
    outcome: row.outcome,
    actorType: row.actorType,
    actorId: row.actorId,
    actorName: row.actorName,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    resourceName: row.resourceName,
    poolId: row.poolId,
    operationId: row.operationId,
    requestId: row.requestId,
    sourceIp: row.sourceIp,
    userAgent: row.userAgent,
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    reason: row.reason,
    details: row.details ?? null,
    prevHash: row.prevHash,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
