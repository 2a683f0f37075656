/**
 * The maintenance-event (authorized repair) state machine: a table and pure
 * functions, no I/O. Every status change of a maintenance event asks it.
 *
 *   PENDING_AUTHORIZATION --authorize--> AUTHORIZED --start-repair--> IN_REPAIR --complete--> COMPLETED
 *            |                               |                           |
 *          reject                          cancel                       fail
 *            v                               v                           v
 *         REJECTED                        CANCELED                     FAILED
 */
export const MAINTENANCE_STATUSES = ['PENDING_AUTHORIZATION', 'AUTHORIZED', 'IN_REPAIR', 'COMPLETED', 'REJECTED', 'FAILED', 'CANCELED'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

export const MAINTENANCE_ACTIONS = ['authorize', 'reject', 'start-repair', 'complete', 'fail', 'cancel'] as const;
export type MaintenanceAction = (typeof MAINTENANCE_ACTIONS)[number];

export const MAINTENANCE_RULES: Record<MaintenanceAction, { from: readonly MaintenanceStatus[]; to: MaintenanceStatus }> = {
  authorize: { from: ['PENDING_AUTHORIZATION'], to: 'AUTHORIZED' },
  reject: { from: ['PENDING_AUTHORIZATION'], to: 'REJECTED' },
  'start-repair': { from: ['AUTHORIZED'], to: 'IN_REPAIR' },
  complete: { from: ['IN_REPAIR'], to: 'COMPLETED' },
  fail: { from: ['AUTHORIZED', 'IN_REPAIR'], to: 'FAILED' },
  cancel: { from: ['PENDING_AUTHORIZATION', 'AUTHORIZED'], to: 'CANCELED' },
};

/** Events that still hold their server: at most one per server (a partial unique index enforces it). */
export const OPEN_MAINTENANCE_STATUSES: readonly MaintenanceStatus[] = ['PENDING_AUTHORIZATION', 'AUTHORIZED', 'IN_REPAIR'];

export const isOpen = (s: MaintenanceStatus): boolean => OPEN_MAINTENANCE_STATUSES.includes(s);

export type MaintenanceDecision = { ok: true; to: MaintenanceStatus } | { ok: false; reason: string };

export function decideMaintenance(action: MaintenanceAction, from: MaintenanceStatus): MaintenanceDecision {
  const rule = MAINTENANCE_RULES[action];
  if (!rule.from.includes(from)) {
    return { ok: false, reason: `Cannot ${action} a maintenance event in status ${from}; allowed from ${rule.from.join(', ')}` };
  }
  return { ok: true, to: rule.to };
}

/** What may be done to an event now, for `allowedActions` in its view. */
export function allowedMaintenanceActions(from: MaintenanceStatus): MaintenanceAction[] {
  return MAINTENANCE_ACTIONS.filter((a) => MAINTENANCE_RULES[a].from.includes(from));
}

const SEVERITY_RANK = { MINOR: 1, MAJOR: 2, CRITICAL: 3 } as const;
export type FaultSeverity = keyof typeof SEVERITY_RANK;

/** An event is as severe as its worst fault. */
export const worstSeverity = (a: FaultSeverity, b: FaultSeverity): FaultSeverity => (SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b);
