import type { Operation } from '../generated/prisma/client';

/** The API shape of an operation (AIP-151 style long-running operation). */
export interface OperationView {
  id: string;
  type: string;
  status: string;
  serverId: string;
  requestedBy: { type: string; id: string; name: string };
  params: unknown;
  step: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

export function toOperationView(o: Operation): OperationView {
  return {
    id: o.id,
    type: o.type,
    status: o.status,
    serverId: o.serverId,
    requestedBy: { type: o.requestedByType, id: o.requestedById, name: o.requestedByName },
    params: o.params,
    step: o.step,
    createdAt: o.createdAt.toISOString(),
    startedAt: o.startedAt?.toISOString() ?? null,
    finishedAt: o.finishedAt?.toISOString() ?? null,
    error: o.errorCode ? { code: o.errorCode, message: o.errorMessage ?? '' } : null,
  };
}
