import type { Tx } from '../database/prisma.service';

/**
 * Change notifications for live subscriptions, sent with PostgreSQL NOTIFY from
 * INSIDE the transaction that makes the change: PostgreSQL delivers a
 * notification only when (and if) that transaction commits, so subscribers
 * never see a change that rolled back, on any replica.
 */
export const SERVER_CHANNEL = 'lsc_server_changed';
export const OPERATION_CHANNEL = 'lsc_operation_changed';

export interface ServerChangedEvent {
  serverId: string;
  poolId: string;
  status: string;
  previousStatus: string;
  task: string | null;
  version: number;
}

export interface OperationChangedEvent {
  operationId: string;
  serverId: string;
  poolId: string;
  type: string;
  status: string;
}

export async function notifyServerChanged(tx: Tx, e: ServerChangedEvent): Promise<void> {
  await tx.$executeRaw`SELECT pg_notify(${SERVER_CHANNEL}, ${JSON.stringify(e)})`;
}

/** The pool is read in the same statement, so callers need only the operation's own fields. */
export async function notifyOperationChanged(tx: Tx, e: Omit<OperationChangedEvent, 'poolId'>): Promise<void> {
  await tx.$executeRaw`
    SELECT pg_notify(${OPERATION_CHANNEL}, json_build_object(
      'operationId', ${e.operationId}::text, 'serverId', ${e.serverId}::text, 'type', ${e.type}::text, 'status', ${e.status}::text,
      'poolId', (SELECT "poolId" FROM servers WHERE id = ${e.serverId}::text))::text)`;
}
