/**
 * The server state machine: a table and a few pure functions, no I/O. It is
 * the only thing that decides whether an action may start and whether a status
 * change is legal; everything else asks it.
 *
 * Statuses are the seed document's six. Long-running work is a separate
 * `task`; while a task is in progress only `rename` and `sync` are allowed.
 */
export const SERVER_STATUSES = ['RUNNING', 'STOPPED', 'STARTING', 'STOPPING', 'ERROR', 'UPGRADING'] as const;
export type ServerStatus = (typeof SERVER_STATUSES)[number];

export const SERVER_TASKS = [
  'STARTING',
  'STOPPING',
  'RESTARTING',
  'SWITCHING_OS',
  'RESETTING_OS',
  'CREATING_IMAGE',
  'UPGRADING',
  'FAILING_OVER',
  'REPAIRING',
] as const;
export type ServerTask = (typeof SERVER_TASKS)[number];

export const SERVER_ACTIONS = [
  'start',
  'stop',
  'restart',
  'sync',
  'rename',
  'switch-os',
  'reset-os',
  'create-image',
  'upgrade',
  'repair',
] as const;
export type ServerAction = (typeof SERVER_ACTIONS)[number];

interface ActionRule {
  /** Statuses the action may start from. */
  from: readonly ServerStatus[];
  /** Status the server takes when the action is accepted (undefined: unchanged). */
  enter?: ServerStatus;
  /** Task shown while the action runs (undefined: no task, e.g. rename). */
  task?: ServerTask;
  /** Allowed even while another task is in progress. */
  duringTask?: boolean;
}

const ALL = SERVER_STATUSES;

/** The seed's "Allowed Operations" table, with the long-running work it starts. */
export const ACTION_RULES: Record<ServerAction, ActionRule> = {
  start: { from: ['STOPPED'], enter: 'STARTING', task: 'STARTING' },
  stop: { from: ['RUNNING'], enter: 'STOPPING', task: 'STOPPING' },
  restart: { from: ['RUNNING', 'ERROR'], enter: 'STOPPING', task: 'RESTARTING' },
  sync: { from: ALL, duringTask: true },
  rename: { from: ALL, duringTask: true },
  'switch-os': { from: ['STOPPED'], task: 'SWITCHING_OS' },
  'reset-os': { from: ['STOPPED'], task: 'RESETTING_OS' },
  'create-image': { from: ['STOPPED'], task: 'CREATING_IMAGE' },
  upgrade: { from: ['RUNNING', 'STOPPED'], enter: 'UPGRADING', task: 'UPGRADING' },
  repair: { from: ['ERROR'], task: 'REPAIRING' },
};

/** Every legal status change, whoever causes it (operation step, sync, fault). */
export const TRANSITIONS: Record<ServerStatus, readonly ServerStatus[]> = {
  RUNNING: ['STOPPING', 'STOPPED', 'ERROR', 'UPGRADING'],
  STOPPED: ['STARTING', 'RUNNING', 'ERROR', 'UPGRADING'],
  STARTING: ['RUNNING', 'STOPPED', 'ERROR'],
  STOPPING: ['STOPPED', 'STARTING', 'RUNNING', 'ERROR'],
  ERROR: ['STOPPING', 'RUNNING', 'STOPPED'],
  UPGRADING: ['RUNNING', 'STOPPED', 'ERROR'],
};

export const TRANSITIONAL: ReadonlySet<ServerStatus> = new Set(['STARTING', 'STOPPING', 'UPGRADING']);

export interface ServerState {
  status: ServerStatus;
  task: ServerTask | null;
}

/** Actions a client may request now, for `allowedOperations`. */
export function allowedActions(s: ServerState): ServerAction[] {
  return SERVER_ACTIONS.filter((a) => canStart(a, s));
}

export function canStart(action: ServerAction, s: ServerState): boolean {
  const rule = ACTION_RULES[action];
  if (s.task !== null && !rule.duringTask) return false;
  return rule.from.includes(s.status);
}

export type Decision =
  | { ok: true; enter?: ServerStatus; task?: ServerTask }
  | { ok: false; reason: string };

/** Whether `action` may start from `s`, and what the server becomes if it does. */
export function decide(action: ServerAction, s: ServerState): Decision {
  const rule = ACTION_RULES[action];
  if (s.task !== null && !rule.duringTask) {
    return { ok: false, reason: `Cannot ${action} server while task ${s.task} is in progress` };
  }
  if (!rule.from.includes(s.status)) {
    return { ok: false, reason: `Cannot ${action} server in status ${s.status}; allowed from ${rule.from.join(', ')}` };
  }
  return { ok: true, enter: rule.enter, task: rule.task };
}

export function canTransition(from: ServerStatus, to: ServerStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Throws unless from → to is a legal edge. */
export function assertTransition(from: ServerStatus, to: ServerStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: ServerStatus,
    readonly to: ServerStatus,
  ) {
    super(`Illegal server status transition ${from} -> ${to}`);
  }
}

/** What the hardware says, reduced to what the console can record. */
export type PowerState = 'ON' | 'OFF' | 'POWERING_ON' | 'POWERING_OFF';

/** The status a server at rest should have given its real power state. */
export function statusForPower(power: PowerState): ServerStatus {
  switch (power) {
    case 'ON':
      return 'RUNNING';
    case 'OFF':
      return 'STOPPED';
    case 'POWERING_ON':
      return 'STARTING';
    case 'POWERING_OFF':
      return 'STOPPING';
  }
}
