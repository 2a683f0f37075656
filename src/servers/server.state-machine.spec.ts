import {
  ACTION_RULES,
  SERVER_ACTIONS,
  SERVER_STATUSES,
  TRANSITIONS,
  allowedActions,
  assertTransition,
  canTransition,
  decide,
  statusForPower,
  ServerAction,
  ServerStatus,
} from './server.state-machine';

// The seed document's table, written out independently of the implementation.
const EXPECTED_ALLOWED: Record<ServerStatus, ServerAction[]> = {
  RUNNING: ['stop', 'restart', 'sync', 'rename', 'upgrade'],
  STOPPED: ['start', 'sync', 'rename', 'switch-os', 'reset-os', 'create-image', 'upgrade'],
  STARTING: ['sync', 'rename'],
  STOPPING: ['sync', 'rename'],
  ERROR: ['restart', 'sync', 'rename', 'repair'],
  UPGRADING: ['sync', 'rename'],
};

describe('server state machine', () => {
  describe.each(SERVER_STATUSES)('status %s without a task', (status) => {
    it.each(SERVER_ACTIONS)('%s allowed iff the seed table says so', (action) => {
      const d = decide(action, { status, task: null });
      expect(d.ok).toBe(EXPECTED_ALLOWED[status].includes(action));
    });

    it('allowedOperations lists exactly the seed table', () => {
      expect(allowedActions({ status, task: null }).sort()).toEqual([...EXPECTED_ALLOWED[status]].sort());
    });

    it('with a task in progress only rename and sync remain', () => {
      expect(allowedActions({ status, task: 'SWITCHING_OS' }).sort()).toEqual(['rename', 'sync']);
    });
  });

  it.each([
    ['start', 'STOPPED', 'STARTING', 'STARTING'],
    ['stop', 'RUNNING', 'STOPPING', 'STOPPING'],
    ['restart', 'RUNNING', 'STOPPING', 'RESTARTING'],
    ['restart', 'ERROR', 'STOPPING', 'RESTARTING'],
    ['upgrade', 'STOPPED', 'UPGRADING', 'UPGRADING'],
    ['switch-os', 'STOPPED', undefined, 'SWITCHING_OS'],
  ] as const)('%s from %s enters %s with task %s', (action, from, enter, task) => {
    expect(decide(action, { status: from, task: null })).toEqual({ ok: true, enter, task });
  });

  it('refusals explain why', () => {
    const d = decide('stop', { status: 'STOPPED', task: null });
    expect(d).toEqual({ ok: false, reason: expect.stringContaining('STOPPED') });
    const t = decide('start', { status: 'STOPPED', task: 'CREATING_IMAGE' });
    expect(t).toEqual({ ok: false, reason: expect.stringContaining('CREATING_IMAGE') });
  });

  it('every status an accepted action enters is a legal edge from each of its origins', () => {
    for (const [action, rule] of Object.entries(ACTION_RULES)) {
      if (!rule.enter) continue;
      for (const from of rule.from) {
        if (from === rule.enter) continue;
        expect([action, from, canTransition(from, rule.enter)]).toEqual([action, from, true]);
      }
    }
  });

  it.each([
    ['STOPPING', 'STOPPED', true],
    ['STOPPING', 'STARTING', true],
    ['STARTING', 'RUNNING', true],
    ['RUNNING', 'STARTING', false],
    ['STOPPED', 'STOPPING', false],
    ['ERROR', 'STARTING', false],
    ['UPGRADING', 'STOPPING', false],
    ['RUNNING', 'RUNNING', false],
  ] as const)('transition %s -> %s legal: %s', (from, to, legal) => {
    expect(canTransition(from, to)).toBe(legal);
    if (legal) expect(() => assertTransition(from, to)).not.toThrow();
    else expect(() => assertTransition(from, to)).toThrow(/Illegal/);
  });

  it('no status transitions to itself and every status can reach ERROR', () => {
    for (const s of SERVER_STATUSES) {
      expect(TRANSITIONS[s]).not.toContain(s);
      if (s !== 'ERROR') expect(TRANSITIONS[s]).toContain('ERROR');
    }
  });

  it.each([
    ['ON', 'RUNNING'],
    ['OFF', 'STOPPED'],
    ['POWERING_ON', 'STARTING'],
    ['POWERING_OFF', 'STOPPING'],
  ] as const)('power %s maps to %s', (p, s) => expect(statusForPower(p)).toBe(s));
});
