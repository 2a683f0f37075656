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

export const actorOf = (p: Principal) => ({ type: p.type, id: p.id, name: p.name });
