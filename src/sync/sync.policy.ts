/**
 * What the status-sync poller does with one observation of one server: a pure
 * function (no Nest, no I/O), so every drift kind under every policy is a row
 * in a table-driven test. The poller only executes the verdict.
 */
import { canTransition, PowerState, ServerStatus, ServerTask, statusForPower, TRANSITIONAL } from '../servers/server.state-machine';

export const SYNC_POLICIES = ['OBSERVE', 'ADOPT', 'ENFORCE'] as const;
export type SyncPolicy = (typeof SYNC_POLICIES)[number];

/** Kinds of drift, the label of the drift metrics and the `details.drift` of audit rows. */
export const DRIFT_KINDS = ['POWERED_OFF', 'POWERED_ON', 'STUCK', 'BMC_UNREACHABLE', 'BMC_RECOVERED', 'HARDWARE_FAULT'] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

export const BMC_UNREACHABLE = 'BMC_UNREACHABLE';

export interface SyncTuning {
  graceObservations: number;
  unreachableThreshold: number;
}

/** The console record and the poller's bookkeeping, as claimed. */
export interface SyncSubject {
  status: ServerStatus;
  task: ServerTask | null;
  statusReason: string | null;
  policy: SyncPolicy;
  /** A PENDING/RUNNING operation (other than a sync) exists. */
  liveOperation: boolean;
  /** No status write for longer than SYNC_STUCK_AFTER_MS. */
  stale: boolean;
  pendingDrift: string | null;
  pendingDriftCount: number;
  consecutiveFailures: number;
}

export type Observation = { ok: true; power: PowerState } | { ok: false; error: string };

/** One server write the poller may make: an audited CAS transition. */
export interface Change {
  to: ServerStatus;
  /** Clears a stranded task (stuck servers). */
  clearTask?: boolean;
  statusReason: string | null;
  reason: string;
}

export interface Verdict {
  /** Bookkeeping to store (the poller writes it only when it differs). */
  pendingDrift: string | null;
  pendingDriftCount: number;
  consecutiveFailures: number;
  /** Drift seen now (metrics: found), whether or not it is acted on yet. */
  found?: DriftKind;
  /** Drift to act on now: report (OBSERVE) or change the console (ADOPT/ENFORCE). */
  act?: { kind: DriftKind; change?: Change; enforce?: 'start' | 'stop'; report: string };
}

/** Before any provider call: is there anything to look at? */
export function shouldCheck(s: Pick<SyncSubject, 'liveOperation' | 'task' | 'status' | 'stale'>): { check: boolean; reason?: string } {
  if (s.liveOperation) return { check: false, reason: 'operation in progress' };
  // A task or a transitional status without an operation is either about to be
  // resolved by the worker (recent) or stranded (stale: resolve it).
  if ((s.task !== null || TRANSITIONAL.has(s.status)) && !s.stale) return { check: false, reason: 'transition in progress' };
  return { check: true };
}

const AT_REST = (p: PowerState): p is 'ON' | 'OFF' => p === 'ON' || p === 'OFF';

/** Decides what one observation means. Call only when shouldCheck said so. */
export function judge(s: SyncSubject, obs: Observation, t: SyncTuning): Verdict {
  const observe = s.policy === 'OBSERVE';
  const keep = { pendingDrift: null, pendingDriftCount: 0 };
  const stuck = s.task !== null || TRANSITIONAL.has(s.status);

  if (stuck) {
    const what = `stuck in ${s.status}${s.task ? ` with task ${s.task}` : ''} and no operation in progress`;
    let change: Change;
    if (obs.ok && AT_REST(obs.power)) {
      const to = statusForPower(obs.power);
      change = { to, clearTask: true, statusReason: null, reason: `${what}; hardware reports power ${obs.power}` };
    } else {
      const why = obs.ok ? `hardware still reports ${obs.power}` : `controller did not answer (${obs.error})`;
      change = { to: 'ERROR', clearTask: true, statusReason: `STUCK_${s.status}: ${why}`, reason: `${what}; ${why}` };
    }
    const failures = obs.ok ? 0 : Math.min(s.consecutiveFailures + 1, t.unreachableThreshold + 1);
    // OBSERVE reports once per episode, then stays quiet (and writes nothing).
    if (observe) {
      const key = `STUCK:${s.status}`;
      if (s.pendingDrift === key) return { pendingDrift: key, pendingDriftCount: s.pendingDriftCount, consecutiveFailures: failures, found: 'STUCK' };
      return { pendingDrift: key, pendingDriftCount: 1, consecutiveFailures: failures, found: 'STUCK', act: { kind: 'STUCK', report: change.reason } };
    }
    return { ...keep, consecutiveFailures: failures, found: 'STUCK', act: { kind: 'STUCK', change, report: change.reason } };
  }

  if (!obs.ok) {
    // Capped one past the threshold: a controller that stays silent costs no further writes.
    const failures = Math.min(s.consecutiveFailures + 1, t.unreachableThreshold + 1);
    const pending = { pendingDrift: s.pendingDrift, pendingDriftCount: s.pendingDriftCount };
    if (failures < t.unreachableThreshold || s.status === 'ERROR') return { ...pending, consecutiveFailures: failures };
    const report = `management controller failed ${t.unreachableThreshold} or more consecutive checks (${obs.error})`;
    if (failures > t.unreachableThreshold && observe) return { ...pending, consecutiveFailures: failures };
    return {
      ...pending,
      consecutiveFailures: failures,
      found: 'BMC_UNREACHABLE',
      act: { kind: 'BMC_UNREACHABLE', report, change: observe ? undefined : { to: 'ERROR', statusReason: BMC_UNREACHABLE, reason: report } },
    };
  }

  const power = obs.power;
  // The hardware is mid-change: nothing to conclude yet, keep what we had.
  if (!AT_REST(power)) return { pendingDrift: s.pendingDrift, pendingDriftCount: s.pendingDriftCount, consecutiveFailures: 0 };
  const observed = statusForPower(power);

  if (s.status === 'ERROR') {
    // Only the ERROR this poller (or a failed call) set for a silent controller
    // is lifted; other ERRORs belong to repair and operators.
    if (!s.statusReason?.startsWith(BMC_UNREACHABLE) || observe) return { ...keep, consecutiveFailures: 0 };
    const reason = `management controller answers again; hardware reports power ${power}`;
    return { ...keep, consecutiveFailures: 0, found: 'BMC_RECOVERED', act: { kind: 'BMC_RECOVERED', report: reason, change: { to: observed, statusReason: null, reason } } };
  }

  if (observed === s.status) return { ...keep, consecutiveFailures: 0 };

  const kind: DriftKind = power === 'OFF' ? 'POWERED_OFF' : 'POWERED_ON';
  const key = `${kind}:${s.status}`;
  const count = s.pendingDrift === key ? s.pendingDriftCount + 1 : 1;
  const report = `console recorded ${s.status}, hardware reports power ${power}`;
  if (count < t.graceObservations) return { pendingDrift: key, pendingDriftCount: count, consecutiveFailures: 0, found: kind };
  if (observe) {
    // Report once when the grace period is reached; afterwards the count stays put, so no writes.
    if (count > t.graceObservations) return { pendingDrift: key, pendingDriftCount: s.pendingDriftCount, consecutiveFailures: 0, found: kind };
    return { pendingDrift: key, pendingDriftCount: count, consecutiveFailures: 0, found: kind, act: { kind, report } };
  }
  if (!canTransition(s.status, observed)) return { ...keep, consecutiveFailures: 0, found: kind };
  const change: Change = { to: observed, statusReason: null, reason: s.policy === 'ENFORCE' ? `${report}; enforcing ${s.status}` : report };
  const enforce = s.policy === 'ENFORCE' ? (s.status === 'RUNNING' ? 'start' : 'stop') : undefined;
  return { ...keep, consecutiveFailures: 0, found: kind, act: { kind, report, change, enforce } };
}
