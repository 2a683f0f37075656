import type { AuditEvent } from '../generated/prisma/client';

export interface AuditEventView {
  id: string;
  sequence: number;
  occurredAt: string;
  type: string;
  action: string;
  outcome: string;
  actor: { type: string; id: string; name: string };
  resource: { type: string; id: string | null; name: string | null };
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
  hash: string;
}

export const toAuditView = (e: AuditEvent): AuditEventView => ({
  id: e.id,
  sequence: Number(e.sequence),
  occurredAt: e.occurredAt.toISOString(),
  type: e.type,
  action: e.action,
  outcome: e.outcome,
  actor: { type: e.actorType, id: e.actorId, name: e.actorName },
  resource: { type: e.resourceType, id: e.resourceId, name: e.resourceName },
  poolId: e.poolId,
  operationId: e.operationId,
  requestId: e.requestId,
  sourceIp: e.sourceIp,
  userAgent: e.userAgent,
  fromStatus: e.fromStatus,
  toStatus: e.toStatus,
  reason: e.reason,
  details: e.details ?? null,
  prevHash: e.prevHash,
  hash: e.hash,
});

/** A server's timeline entry: what happened and who did it, without the
 *  forensic fields (source IP, user agent, details, hashes) kept for auditors. */
const HISTORY_FIELDS = ['sequence', 'occurredAt', 'type', 'action', 'outcome', 'actor', 'fromStatus', 'toStatus', 'reason', 'operationId', 'requestId'] as const;
export type HistoryEntry = Pick<AuditEventView, (typeof HISTORY_FIELDS)[number]>;

export const toHistoryEntry = (e: AuditEvent): HistoryEntry => {
  const view = toAuditView(e);
  return Object.fromEntries(HISTORY_FIELDS.map((f) => [f, view[f]])) as HistoryEntry;
};
