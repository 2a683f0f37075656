import {
  allowedMaintenanceActions,
  decideMaintenance,
  isOpen,
  MAINTENANCE_ACTIONS,
  MAINTENANCE_STATUSES,
  MaintenanceAction,
  MaintenanceStatus,
  worstSeverity,
} from './maintenance.state-machine';

describe('maintenance state machine', () => {
  // Every (action, from) pair: the expected target, or null when refused.
  const table: Record<MaintenanceAction, Partial<Record<MaintenanceStatus, MaintenanceStatus>>> = {
    authorize: { PENDING_AUTHORIZATION: 'AUTHORIZED' },
    reject: { PENDING_AUTHORIZATION: 'REJECTED' },
    'start-repair': { AUTHORIZED: 'IN_REPAIR' },
    complete: { IN_REPAIR: 'COMPLETED' },
    fail: { AUTHORIZED: 'FAILED', IN_REPAIR: 'FAILED' },
    cancel: { PENDING_AUTHORIZATION: 'CANCELED', AUTHORIZED: 'CANCELED' },
  };
  const cases = MAINTENANCE_ACTIONS.flatMap((a) => MAINTENANCE_STATUSES.map((s) => [a, s, table[a][s] ?? null] as const));

  it.each(cases)('%s from %s -> %s', (action, from, to) => {
    const d = decideMaintenance(action, from);
    if (to === null) {
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.reason).toContain(from);
    } else {
      expect(d).toEqual({ ok: true, to });
    }
  });

  it('terminal statuses allow nothing and are not open', () => {
    for (const s of ['COMPLETED', 'REJECTED', 'FAILED', 'CANCELED'] as const) {
      expect(allowedMaintenanceActions(s)).toEqual([]);
      expect(isOpen(s)).toBe(false);
    }
    for (const s of ['PENDING_AUTHORIZATION', 'AUTHORIZED', 'IN_REPAIR'] as const) expect(isOpen(s)).toBe(true);
  });

  it('lists the actions allowed from a status', () => {
    expect(allowedMaintenanceActions('PENDING_AUTHORIZATION')).toEqual(['authorize', 'reject', 'cancel']);
    expect(allowedMaintenanceActions('IN_REPAIR')).toEqual(['complete', 'fail']);
  });

  it('an event is as severe as its worst fault', () => {
    expect(worstSeverity('MINOR', 'CRITICAL')).toBe('CRITICAL');
    expect(worstSeverity('MAJOR', 'MINOR')).toBe('MAJOR');
    expect(worstSeverity('CRITICAL', 'MAJOR')).toBe('CRITICAL');
  });
});
