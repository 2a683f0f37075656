/** The flat permission map: the one place that says which role may do what. */
export const ROLES = ['viewer', 'operator', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'servers:read',
  'servers:operate', // start, stop, restart, sync, rename
  'servers:admin', // switch/reset OS, upgrade, failover, standby lifecycle actions
  'faults:report',
  'images:read',
  'images:write',
  'pools:read',
  'pools:admin',
  'operations:read',
  'maintenance:read',
  'maintenance:admin',
  'maintenance:complete', // the repair crew reports a node restored
  'audit:read',
  'api-keys:manage',
  'simulator:control',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: Permission[] = ['servers:read', 'images:read', 'pools:read', 'operations:read', 'maintenance:read'];
const OPERATOR: Permission[] = [...VIEWER, 'servers:operate', 'faults:report', 'maintenance:complete'];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(VIEWER),
  operator: new Set(OPERATOR),
  admin: new Set<Permission>([
    ...OPERATOR,
    'servers:admin',
    'images:write',
    'pools:admin',
    'maintenance:admin',
    'api-keys:manage',
    'simulator:control',
  ]),
  auditor: new Set<Permission>([...VIEWER, 'audit:read']),
};

export const hasPermission = (role: Role, permission: Permission): boolean => ROLE_PERMISSIONS[role].has(permission);
