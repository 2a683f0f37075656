import type { Server } from '../generated/prisma/client';
import type { Principal } from '../auth/principal';
import { hasPermission } from '../auth/permissions';
import { DomainError } from '../common/errors';
import type { ServerAction } from '../servers/server.state-machine';

/** Actions that never disturb a standby's readiness, so anyone may run them. */
const HARMLESS: ReadonlySet<ServerAction> = new Set(['sync', 'rename']);

/**
 * Standby nodes are kept running for failover and take no workload: only
 * admins may run lifecycle actions on them. Returns the refusal, or undefined.
 */
export function standbyRefusal(p: Principal, server: Pick<Server, 'id' | 'role'>, action: ServerAction): DomainError | undefined {
  if (server.role !== 'STANDBY' || HARMLESS.has(action) || hasPermission(p.role, 'servers:admin')) return undefined;
  return new DomainError('STANDBY_ADMIN_ONLY', `Server ${server.id} is a hot standby; only admins may ${action} it`, { serverId: server.id, role: server.role, action });
}
