import type { Fault, MaintenanceEvent } from '../generated/prisma/client';
import { allowedMaintenanceActions } from './maintenance.state-machine';

export interface FaultView {
  id: string;
  serverId: string;
  component: string;
  severity: string;
  description: string;
  source: string;
  externalId: string | null;
  maintenanceEventId: string | null;
  detectedAt: string;
  resolvedAt: string | null;
}

export interface MaintenanceEventView {
  id: string;
  serverId: string;
  poolId: string;
  status: string;
  type: string;
  severity: string;
  summary: string;
  previousRole: string;
  replacementServerId: string | null;
  standbyNote: string | null;
  notBefore: string | null;
  /** Who authorized (or rejected) the repair, when, and why. */
  decidedById: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  repairStartedAt: string | null;
  completedAt: string | null;
  completionNote: string | null;
  allowedActions: string[];
  faults: FaultView[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** What a client may call on an event now (the state machine's internal steps are the worker's). */
const ROUTED = new Set(['authorize', 'reject', 'complete']);

export function toFaultView(f: Fault): FaultView {
  return {
    id: f.id,
    serverId: f.serverId,
    component: f.component,
    severity: f.severity,
    description: f.description,
    source: f.source,
    externalId: f.externalId,
    maintenanceEventId: f.maintenanceEventId,
    detectedAt: f.detectedAt.toISOString(),
    resolvedAt: iso(f.resolvedAt),
  };
}

export function toMaintenanceEventView(e: MaintenanceEvent & { faults: Fault[] }): MaintenanceEventView {
  return {
    id: e.id,
    serverId: e.serverId,
    poolId: e.poolId,
    status: e.status,
    type: e.type,
    severity: e.severity,
    summary: e.summary,
    previousRole: e.previousRole,
    replacementServerId: e.replacementServerId,
    standbyNote: e.standbyNote,
    notBefore: iso(e.notBefore),
    decidedById: e.authorizedById,
    decidedAt: iso(e.authorizedAt),
    decisionNote: e.decisionNote,
    repairStartedAt: iso(e.repairStartedAt),
    completedAt: iso(e.completedAt),
    completionNote: e.completionNote,
    allowedActions: allowedMaintenanceActions(e.status).filter((a) => ROUTED.has(a)),
    faults: [...e.faults].sort((a, b) => a.detectedAt.getTime() - b.detectedAt.getTime()).map(toFaultView),
    version: e.version,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
