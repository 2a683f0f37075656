import { hasPermission, Permission, PERMISSIONS, Role, ROLES } from './permissions';

/** The role definitions, spelled out: any change to the map must change this table too. */
const EXPECTED: Record<Role, Permission[]> = {
  viewer: ['servers:read', 'images:read', 'pools:read', 'operations:read', 'maintenance:read'],
  operator: ['servers:read', 'images:read', 'pools:read', 'operations:read', 'maintenance:read', 'servers:operate', 'faults:report', 'maintenance:complete'],
  admin: [
    'servers:read', 'images:read', 'pools:read', 'operations:read', 'maintenance:read', 'servers:operate', 'faults:report',
    'maintenance:complete', 'servers:admin', 'images:write', 'pools:admin', 'maintenance:admin', 'api-keys:manage', 'simulator:control',
  ],
  auditor: ['servers:read', 'images:read', 'pools:read', 'operations:read', 'maintenance:read', 'audit:read'],
};

describe('permission map', () => {
  it.each(ROLES.flatMap((role) => PERMISSIONS.map((perm) => [role, perm, EXPECTED[role].includes(perm)] as const)))('%s has %s: %s', (role, perm, allowed) => {
    expect(hasPermission(role, perm)).toBe(allowed);
  });

  it('only auditors read the audit trail', () => {
    expect(ROLES.filter((r) => hasPermission(r, 'audit:read'))).toEqual(['auditor']);
  });
});
