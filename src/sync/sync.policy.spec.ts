import { judge, shouldCheck, SyncPolicy, SyncSubject, SyncTuning } from './sync.policy';

const tuning: SyncTuning = { graceObservations: 2, unreachableThreshold: 3 };
const subject = (over: Partial<SyncSubject> = {}): SyncSubject => ({
  status: 'RUNNING',
  task: null,
  statusReason: null,
  policy: 'ADOPT',
  liveOperation: false,
  stale: false,
  pendingDrift: null,
  pendingDriftCount: 0,
  consecutiveFailures: 0,
  ...over,
});

describe('sync policy', () => {
  describe('shouldCheck', () => {
    it.each([
      [{ liveOperation: true }, false],
      [{ task: 'STOPPING' as const, status: 'STOPPING' as const }, false],
      [{ status: 'STARTING' as const }, false],
      [{ status: 'STARTING' as const, stale: true }, true],
      [{ task: 'CREATING_IMAGE' as const, status: 'STOPPED' as const, stale: true }, true],
      [{ status: 'RUNNING' as const }, true],
      [{ status: 'ERROR' as const }, true],
    ])('%j → check %s', (over, check) => {
      expect(shouldCheck(subject(over)).check).toBe(check);
    });
  });

  it('in sync: no drift, bookkeeping cleared', () => {
    const v = judge(subject({ consecutiveFailures: 1 }), { ok: true, power: 'ON' }, tuning);
    expect(v).toEqual({ pendingDrift: null, pendingDriftCount: 0, consecutiveFailures: 0 });
  });

  // Each power drift under each policy, after the grace period.
  describe.each<[string, 'RUNNING' | 'STOPPED', 'ON' | 'OFF', string, 'start' | 'stop']>([
    ['POWERED_OFF', 'RUNNING', 'OFF', 'STOPPED', 'start'],
    ['POWERED_ON', 'STOPPED', 'ON', 'RUNNING', 'stop'],
  ])('%s (recorded %s, power %s)', (kind, status, power, adopted, enforceAction) => {
    it('first observation only counts (grace period)', () => {
      const v = judge(subject({ status }), { ok: true, power }, tuning);
      expect(v).toMatchObject({ found: kind, pendingDrift: `${kind}:${status}`, pendingDriftCount: 1 });
      expect(v.act).toBeUndefined();
    });
    it('a different observation restarts the count', () => {
      const v = judge(subject({ status, pendingDrift: 'SOMETHING_ELSE', pendingDriftCount: 5 }), { ok: true, power }, tuning);
      expect(v.pendingDriftCount).toBe(1);
      expect(v.act).toBeUndefined();
    });
    it.each<[SyncPolicy, object]>([
      ['ADOPT', { change: { to: adopted }, enforce: undefined }],
      ['ENFORCE', { change: { to: adopted }, enforce: enforceAction }],
      ['OBSERVE', {}],
    ])('second observation under %s', (policy, expected) => {
      const v = judge(subject({ status, policy, pendingDrift: `${kind}:${status}`, pendingDriftCount: 1 }), { ok: true, power }, tuning);
      expect(v.act).toMatchObject({ kind, ...expected });
      if (policy === 'OBSERVE') expect(v.act?.change).toBeUndefined();
    });
    it('OBSERVE reports once, then holds still (no bookkeeping change, no write)', () => {
      const s = subject({ status, policy: 'OBSERVE', pendingDrift: `${kind}:${status}`, pendingDriftCount: 2 });
      const v = judge(s, { ok: true, power }, tuning);
      expect(v.act).toBeUndefined();
      expect(v).toMatchObject({ pendingDrift: s.pendingDrift, pendingDriftCount: 2, found: kind });
    });
  });

  it('a transitional power reading concludes nothing', () => {
    const v = judge(subject({ pendingDrift: 'POWERED_OFF:RUNNING', pendingDriftCount: 1 }), { ok: true, power: 'POWERING_OFF' }, tuning);
    expect(v).toEqual({ pendingDrift: 'POWERED_OFF:RUNNING', pendingDriftCount: 1, consecutiveFailures: 0 });
  });

  describe('unreachable controller', () => {
    it('counts failures below the threshold', () => {
      const v = judge(subject({ consecutiveFailures: 1 }), { ok: false, error: 'BMC_UNREACHABLE' }, tuning);
      expect(v).toMatchObject({ consecutiveFailures: 2 });
      expect(v.act).toBeUndefined();
    });
    it('at the threshold: ERROR with BMC_UNREACHABLE (ADOPT and ENFORCE), a report under OBSERVE', () => {
      for (const policy of ['ADOPT', 'ENFORCE'] as const) {
        const v = judge(subject({ policy, consecutiveFailures: 2 }), { ok: false, error: 'x' }, tuning);
        expect(v.act).toMatchObject({ kind: 'BMC_UNREACHABLE', change: { to: 'ERROR', statusReason: 'BMC_UNREACHABLE' } });
      }
      expect(judge(subject({ policy: 'OBSERVE', consecutiveFailures: 2 }), { ok: false, error: 'x' }, tuning).act).toMatchObject({ kind: 'BMC_UNREACHABLE', change: undefined });
      expect(judge(subject({ policy: 'OBSERVE', consecutiveFailures: 3 }), { ok: false, error: 'x' }, tuning).act).toBeUndefined();
    });
    it('already ERROR: nothing more to do', () => {
      expect(judge(subject({ status: 'ERROR', consecutiveFailures: 5 }), { ok: false, error: 'x' }, tuning).act).toBeUndefined();
    });
    it('answers again: restored from the real state', () => {
      const v = judge(subject({ status: 'ERROR', statusReason: 'BMC_UNREACHABLE', consecutiveFailures: 4 }), { ok: true, power: 'OFF' }, tuning);
      expect(v).toMatchObject({ consecutiveFailures: 0, act: { kind: 'BMC_RECOVERED', change: { to: 'STOPPED', statusReason: null } } });
    });
    it('an ERROR for another reason is left to repair', () => {
      expect(judge(subject({ status: 'ERROR', statusReason: 'REPAIR_FAILED: x' }), { ok: true, power: 'ON' }, tuning).act).toBeUndefined();
    });
  });

  describe('stuck transitional status', () => {
    it('resolved from the real state, task cleared', () => {
      const v = judge(subject({ status: 'STARTING', task: 'STARTING', stale: true }), { ok: true, power: 'ON' }, tuning);
      expect(v.act).toMatchObject({ kind: 'STUCK', change: { to: 'RUNNING', clearTask: true, statusReason: null } });
    });
    it('ERROR with a reason when the hardware cannot tell', () => {
      const v = judge(subject({ status: 'STOPPING', stale: true }), { ok: false, error: 'BMC_UNREACHABLE: gone' }, tuning);
      expect(v.act?.change).toMatchObject({ to: 'ERROR', clearTask: true });
      expect(v.act?.change?.statusReason).toMatch(/^STUCK_STOPPING: controller did not answer/);
    });
    it('OBSERVE reports once', () => {
      const s = subject({ status: 'UPGRADING', stale: true, policy: 'OBSERVE' });
      const first = judge(s, { ok: true, power: 'ON' }, tuning);
      expect(first.act).toMatchObject({ kind: 'STUCK' });
      expect(first.act?.change).toBeUndefined();
      expect(judge({ ...s, pendingDrift: first.pendingDrift, pendingDriftCount: first.pendingDriftCount }, { ok: true, power: 'ON' }, tuning).act).toBeUndefined();
    });
  });
});
