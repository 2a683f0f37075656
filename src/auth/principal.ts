import type { Role } from './permissions';

/** Who is acting. `poolIds` null means every pool. */
export interface Principal {
  type: 'USER' | 'API_KEY' | 'SYSTEM';
  id: string;
  name: string;
  role: Role;
  poolIds: string[] | null;
}

export const systemPrincipal = (id: string, name = id): Principal => ({
  type: 'SYSTEM',
  id: `system:${id}`,
  name,
  role: 'admin',
  poolIds: null,
});

/** True when the principal may see resources of this pool. */
export const canSeePool = (p: Principal, poolId: string): boolean => p.poolIds === null || p.poolIds.includes(poolId);

export const actorOf = (p: Principal): Actor => ({ type: p.type, id: p.id, name: p.name });

export interface Actor {
  type: string;
  id: string;
  name: string;
}

/** What authenticating a request yields: a principal, or why it is refused
 *  (401, or 403 for a genuine identity that holds no role here) and by whom if known. */
export type Authentication = { principal: Principal } | { refused: 'UNAUTHENTICATED' | 'FORBIDDEN'; reason: string; actor?: Actor };
