import { Client } from 'pg';
import { auditHash, GENESIS_HASH } from '../../src/audit/audit.hash';
import { canTransition, ServerStatus, TRANSITIONAL } from '../../src/servers/server.state-machine';

/** One request as the client saw it. */
export interface Observed {
  replica: number;
  method: string;
  path: string;
  status: number;
  operationId?: string;
}

/**
 * Asserts over the whole recorded history, straight from the database:
 * every 202 has exactly one ACCEPTED audit row and one terminal operation;
 * no two operations on a server overlap; every server's status history is a
 * valid path through the state machine; the audit chain verifies; no server
 * is left in a transitional status.
 */
export async function checkHistory(databaseUrl: string, observed: Observed[]): Promise<string[]> {
  const problems: string[] = [];
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const accepted = observed.filter((o) => o.status === 202 && o.operationId);
    const ops = new Map((await db.query('SELECT * FROM operations')).rows.map((r) => [r.id, r]));
    const audit = (await db.query('SELECT * FROM audit_events ORDER BY sequence')).rows;
    const acceptedRows = new Map<string, number>();
    for (const e of audit) if (e.type === 'ACTION' && e.outcome === 'ACCEPTED' && e.operationId) acceptedRows.set(e.operationId, (acceptedRows.get(e.operationId) ?? 0) + 1);

    for (const a of accepted) {
      const op = ops.get(a.operationId!);
      if (!op) problems.push(`202 ${a.operationId} has no operation row`);
      else if (!['SUCCEEDED', 'FAILED'].includes(op.status)) problems.push(`operation ${op.id} not terminal: ${op.status}`);
      if (acceptedRows.get(a.operationId!) !== 1) problems.push(`operation ${a.operationId} has ${acceptedRows.get(a.operationId!) ?? 0} ACCEPTED rows`);
      const terminal = audit.filter((e) => e.operationId === a.operationId && e.type === 'ACTION' && ['SUCCEEDED', 'FAILED'].includes(e.outcome));
      if (terminal.length !== 1) problems.push(`operation ${a.operationId} has ${terminal.length} terminal ACTION rows`);
    }
    for (const [id] of acceptedRows) if (!ops.has(id)) problems.push(`ACCEPTED row for unknown operation ${id}`);

    // Operations that take a server (everything but SYNC) never overlap on one server.
    const byServer = new Map<string, { start: number; end: number; id: string }[]>();
    for (const op of ops.values()) {
      if (op.type === 'SYNC') continue;
      const list = byServer.get(op.serverId) ?? [];
      list.push({ start: op.createdAt.getTime(), end: (op.finishedAt ?? new Date(8.64e15)).getTime(), id: op.id });
      byServer.set(op.serverId, list);
    }
    for (const [server, list] of byServer) {
      list.sort((x, y) => x.start - y.start);
      for (let i = 1; i < list.length; i++) if (list[i].start < list[i - 1].end) problems.push(`operations ${list[i - 1].id} and ${list[i].id} overlap on ${server}`);
    }

    // Status history per server is a valid path through the state machine.
    const last = new Map<string, string>();
    for (const e of audit) {
      if (e.type !== 'STATE_TRANSITION' || e.resourceType !== 'server') continue;
      const prev = last.get(e.resourceId);
      if (prev !== undefined && prev !== e.fromStatus) problems.push(`${e.resourceId}: transition seq ${e.sequence} starts at ${e.fromStatus} but the server was ${prev}`);
      if (!canTransition(e.fromStatus as ServerStatus, e.toStatus as ServerStatus)) problems.push(`${e.resourceId}: illegal ${e.fromStatus}->${e.toStatus} at seq ${e.sequence}`);
      last.set(e.resourceId, e.toStatus);
    }
    const servers = (await db.query('SELECT id, status, task FROM servers')).rows;
    for (const s of servers) {
      if (last.has(s.id) && last.get(s.id) !== s.status) problems.push(`${s.id}: recorded ${s.status} but audit history ends at ${last.get(s.id)}`);
      if (TRANSITIONAL.has(s.status) || s.task) problems.push(`${s.id} left ${s.status} task=${s.task}`);
    }

    // The audit chain: no gaps, every link and hash recomputes.
    let prevHash = GENESIS_HASH;
    let expected = 1n;
    for (const e of audit) {
      const seq = BigInt(e.sequence);
      if (seq !== expected) {
        problems.push(`audit sequence gap: expected ${expected}, found ${seq}`);
        break;
      }
      if (e.prevHash !== prevHash || auditHash({ ...e, sequence: seq }) !== e.hash) {
        problems.push(`audit chain broken at ${seq}`);
        break;
      }
      prevHash = e.hash;
      expected += 1n;
    }
  } finally {
    await db.end();
  }
  return problems;
}
