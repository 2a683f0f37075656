import { ApiKeysService } from '../src/auth/api-keys.service';
import { PERMISSIONS } from '../src/auth/permissions';
import { bearer, startTestApp, TestApp } from './support/app';
import { listRoutes, RouteInfo } from './support/routes';

/**
 * Every REST route × every role, plus an admin key scoped to the other pool
 * (the resource must not exist for it: 404, never 403). A new route fails
 * this test until it gets a row here.
 *
 * 'ok' = allowed: any 2xx, or 409 when the server's current state refuses the
 * action (the order of the rows changes server states; that is not RBAC).
 */
type Cell = 'ok' | 403 | 404;
type Column = 'viewer' | 'operator' | 'admin' | 'auditor' | 'scoped';
interface Row extends Record<Column, Cell> {
  body?: Record<string, unknown>;
  public?: true;
}
const COLUMNS: Column[] = ['viewer', 'operator', 'admin', 'auditor', 'scoped'];
const row = (viewer: Cell, operator: Cell, admin: Cell, auditor: Cell, scoped: Cell, body?: Record<string, unknown>): Row => ({ viewer, operator, admin, auditor, scoped, body });
const PUBLIC: Row = { ...row('ok', 'ok', 'ok', 'ok', 'ok'), public: true };

// The scoped key may use only pool-gpu-b; the ids below all live in pool-ascend-a.
const TABLE: Record<string, Row> = {
  'GET /healthz': PUBLIC,
  'GET /readyz': PUBLIC,
  'GET /metrics': PUBLIC,
  //                                              viewer operator admin auditor scoped
  'GET /v1/servers': /*                    */ row('ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /v1/servers/{id}': /*               */ row('ok', 'ok', 'ok', 'ok', 404),
  'PATCH /v1/servers/{id}': /*             */ row(403, 'ok', 'ok', 403, 404, { name: 'renamed-node-001' }),
  'POST /v1/servers/{id}/start': /*        */ row(403, 'ok', 'ok', 403, 404, {}),
  'POST /v1/servers/{id}/stop': /*         */ row(403, 'ok', 'ok', 403, 404, {}),
  'POST /v1/servers/{id}/restart': /*      */ row(403, 'ok', 'ok', 403, 404, { type: 'SOFT' }),
  'POST /v1/servers/{id}/sync': /*         */ row(403, 'ok', 'ok', 403, 404, {}),
  'GET /v1/operations': /*                 */ row('ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /v1/operations/{id}': /*            */ row('ok', 'ok', 'ok', 'ok', 404),
  'GET /v1/pools': /*                      */ row('ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /v1/pools/{id}': /*                 */ row('ok', 'ok', 'ok', 'ok', 404),
  'GET /v1/images': /*                     */ row('ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /v1/images/{id}': /*                */ row('ok', 'ok', 'ok', 'ok', 'ok'), // a PUBLIC image belongs to no pool
  'POST /v1/servers/{id}/switch-os': /*    */ row(403, 403, 'ok', 403, 404, { imageId: 'img-euleros-2.12-arm-ascend', confirmDataLoss: true }),
  'POST /v1/servers/{id}/reset-os': /*     */ row(403, 403, 'ok', 403, 404, { confirmDataLoss: true }),
  'POST /v1/servers/{id}/images': /*       */ row(403, 403, 'ok', 403, 404, { name: 'rbac-matrix-image', description: 'matrix' }),
  'PATCH /v1/images/{id}': /*              */ row(403, 403, 'ok', 403, 404, { description: 'matrix' }), // a custom image of pool-ascend-a
  'DELETE /v1/images/{id}': /*             */ row(403, 403, 'ok', 403, 404),
  'POST /v1/servers/actions': /*           */ row(403, 'ok', 'ok', 403, 'ok', { action: 'start', serverIds: ['srv-001'] }), // scoped: 200, the item is NOT_FOUND
  'POST /v1/servers/{id}/upgrade': /*      */ row(403, 403, 'ok', 403, 404, { component: 'DRIVER', version: '25.0.rc1' }),
  'POST /v1/servers/{id}/failover': /*     */ row(403, 403, 'ok', 403, 404, {}),
  'POST /v1/servers/{id}/faults': /*       */ row(403, 'ok', 'ok', 403, 404, { component: 'fan-2', severity: 'MINOR', description: 'rbac matrix' }),
  'GET /v1/maintenance-events': /*         */ row('ok', 'ok', 'ok', 'ok', 'ok'),
  'GET /v1/maintenance-events/{id}': /*    */ row('ok', 'ok', 'ok', 'ok', 404),
  'POST /v1/maintenance-events/{id}/authorize': row(403, 403, 'ok', 403, 404, { note: 'rbac matrix' }),
  'POST /v1/maintenance-events/{id}/reject': /* */ row(403, 403, 'ok', 403, 404, { note: 'rbac matrix' }),
  'POST /v1/maintenance-events/{id}/complete': row(403, 'ok', 'ok', 403, 404, { note: 'rbac matrix' }),
  'GET /v1/pools/{id}/hot-standby': /*     */ row('ok', 'ok', 'ok', 'ok', 404),
  'PUT /v1/pools/{id}/hot-standby': /*     */ row(403, 403, 'ok', 403, 404, { enabled: false, autoFailover: false, standbyServerIds: [] }),
  'GET /v1/pools/{id}/sync-policy': /*     */ row('ok', 'ok', 'ok', 'ok', 404),
  'PUT /v1/pools/{id}/sync-policy': /*     */ row(403, 403, 'ok', 403, 404, { policy: 'ADOPT' }),
  'GET /v1/audit-events': /*               */ row(403, 403, 403, 'ok', 403),
  'GET /v1/audit-events/export': /*        */ row(403, 403, 403, 'ok', 403),
  'GET /v1/audit-events/summary': /*       */ row(403, 403, 403, 'ok', 403),
  'GET /v1/audit-events/verify': /*        */ row(403, 403, 403, 'ok', 403),
  'GET /v1/audit-events/checkpoints': /*   */ row(403, 403, 403, 'ok', 403),
  'GET /v1/servers/{id}/history': /*       */ row('ok', 'ok', 'ok', 'ok', 404), // actions and transitions, without the auditor-only fields
  'POST /v1/api-keys': /*                  */ row(403, 403, 'ok', 403, 'ok', { name: 'matrix', role: 'viewer' }), // scoped: a key within its own pools
  'GET /v1/api-keys': /*                   */ row(403, 403, 'ok', 403, 'ok'), // scoped: lists only its pools' keys
  'DELETE /v1/api-keys/{id}': /*           */ row(403, 403, 'ok', 403, 404), // an unrestricted key is outside any scope
  // The simulator plays the hardware, fleet-wide; it is not a console resource and is not pool-scoped.
  'POST /v1/simulator/servers/{id}/inspect': /*      */ row(403, 403, 'ok', 403, 'ok', {}),
  'POST /v1/simulator/servers/{id}/power-state': /*  */ row(403, 403, 'ok', 403, 'ok', { state: 'ON' }),
  'POST /v1/simulator/servers/{id}/faults': /*       */ row(403, 403, 'ok', 403, 'ok', { component: 'fan-3', severity: 'MINOR', description: 'rbac matrix' }),
  'POST /v1/simulator/servers/{id}/reachability': /* */ row(403, 403, 'ok', 403, 'ok', { reachable: true }),
  'POST /v1/simulator/servers/{id}/hang': /*         */ row(403, 403, 'ok', 403, 'ok', { hang: false }),
  'POST /v1/simulator/servers/{id}/fail-next': /*    */ row(403, 403, 'ok', 403, 'ok', { command: 'REPAIR', message: 'rbac matrix' }),
};

describe('RBAC: every route × every role', () => {
  let t: TestApp;
  let routes: RouteInfo[];
  const keys = {} as Record<Column, string>;
  let operationId: string;
  let maintenanceEventId: string;

  beforeAll(async () => {
    t = await startTestApp();
    routes = listRoutes(t.app).filter((r) => !r.path.startsWith('/graphql'));
    keys.viewer = await t.key('viewer');
    keys.operator = await t.key('operator');
    keys.admin = await t.key('admin');
    keys.auditor = await t.key('auditor');
    keys.scoped = await t.key('admin', ['pool-gpu-b']);
    operationId = (await t.http.post('/v1/servers/srv-001/sync').set(bearer(t.admin)).send({}).expect(202)).body.id;
    // A maintenance event in pool-ascend-a, on a server the other rows do not use.
    await t.http.post('/v1/servers/srv-003/faults').set(bearer(t.admin)).send({ component: 'psu-1', severity: 'MINOR', description: 'rbac matrix' }).expect(201);
    maintenanceEventId = (await t.prisma.maintenanceEvent.findFirstOrThrow({ where: { serverId: 'srv-003' } })).id;
  });
  afterAll(() => t.close());

  /** A concrete URL for a route; `{id}` is a resource in pool-ascend-a (a fresh unrestricted key for api-keys). */
  async function urlOf(path: string, method = 'get'): Promise<string> {
    if (path === '/v1/audit-events/summary') return `${path}?groupBy=action`; // a required parameter
    if (!path.includes('{id}')) return path;
    const id = path.startsWith('/v1/images') && method !== 'get'
      ? await customImage()
      : path.startsWith('/v1/maintenance-events')
      ? maintenanceEventId
      : path.startsWith('/v1/operations')
      ? operationId
      : path.startsWith('/v1/pools')
        ? 'pool-ascend-a'
        : path.startsWith('/v1/images')
          ? 'img-ubuntu-22.04-x86-cuda'
          : path.startsWith('/v1/api-keys')
            ? (await t.app.get(ApiKeysService).create({ name: 'revoke-me', role: 'viewer' })).key.id
            : 'srv-001';
    return path.replace('{id}', encodeURIComponent(id));
  }

  /** A fresh custom image in pool-ascend-a, for the routes that change or delete one. */
  let images = 0;
  async function customImage(): Promise<string> {
    const id = `img-custom-rbac-${++images}`;
    await t.prisma.image.create({
      data: { id, name: `rbac-image-${images}`, type: 'CUSTOM', status: 'AVAILABLE', osFamily: 'EulerOS', osVersion: '2.10', architecture: 'AARCH64', accelerator: 'NPU', poolId: 'pool-ascend-a', sourceServerId: 'srv-001' },
    });
    return id;
  }

  function send(method: string, url: string, secret: string | undefined, body?: Record<string, unknown>) {
    const req = (t.http as unknown as Record<string, (u: string) => import('supertest').Test>)[method](url);
    if (secret) req.set(bearer(secret));
    return body === undefined ? req : req.send(body);
  }
  const matches = (cell: Cell, status: number) => (cell === 'ok' ? (status >= 200 && status < 300) || status === 409 : status === cell);

  it('has an expectation for every route the app serves, and none for routes it does not', () => {
    const served = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    expect(served.filter((r) => !TABLE[r])).toEqual([]); // a new route needs a row in TABLE
    expect(Object.keys(TABLE).filter((k) => !served.includes(k))).toEqual([]);
  });

  it('answers every route × role as the table says', async () => {
    const wrong: string[] = [];
    for (const r of routes) {
      const key = `${r.method.toUpperCase()} ${r.path}`;
      const expected = TABLE[key];
      if (!expected) continue; // reported by the test above
      for (const col of COLUMNS) {
        const res = await send(r.method, await urlOf(r.path, r.method), keys[col], expected.body);
        if (!matches(expected[col], res.status)) wrong.push(`${key} as ${col}: expected ${expected[col]}, got ${res.status} ${JSON.stringify(res.body?.error ?? '')}`);
        if (res.status === 403) expect(res.body.error.code).toBe('FORBIDDEN');
        if (res.status === 404) expect(res.body.error.code).toBe('NOT_FOUND');
      }
      // No credentials: 401 everywhere but the public routes.
      const anon = await send(r.method, await urlOf(r.path, r.method), undefined, expected.body);
      if (expected.public ? !matches('ok', anon.status) : anon.status !== 401) wrong.push(`${key} anonymous: got ${anon.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('lists never include resources outside the key’s pools', async () => {
    const servers = (await send('get', '/v1/servers', keys.scoped).expect(200)).body.items;
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.every((s: { poolId: string }) => s.poolId === 'pool-gpu-b')).toBe(true);
    const pools = (await send('get', '/v1/pools', keys.scoped).expect(200)).body.items;
    expect(pools.map((p: { id: string }) => p.id)).toEqual(['pool-gpu-b']);
    const ops = (await send('get', '/v1/operations', keys.scoped).expect(200)).body.items;
    expect(ops.map((o: { id: string }) => o.id)).not.toContain(operationId);
  });
});

describe('every handler declares its permission', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('no route is neither @Public nor behind a known @RequirePermission', () => {
    const routes = listRoutes(t.app);
    expect(routes.length).toBeGreaterThan(10);
    const undeclared = routes.filter((r) => !r.isPublic && !r.permission).map((r) => `${r.controller}.${r.handler} (${r.method.toUpperCase()} ${r.path})`);
    expect(undeclared).toEqual([]);
    const unknown = routes.filter((r) => r.permission && !(PERMISSIONS as readonly string[]).includes(r.permission)).map((r) => `${r.controller}.${r.handler}: ${r.permission}`);
    expect(unknown).toEqual([]);
    // Only health and metrics go without credentials.
    expect(routes.filter((r) => r.isPublic).map((r) => r.path).sort()).toEqual(['/healthz', '/metrics', '/readyz']);
  });
});

describe('refusals are audited as DENIED with the attempted action', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());

  const rowsOf = async (requestId: string) => (await t.http.get(`/v1/audit-events?requestId=${requestId}`).set(bearer(auditor)).expect(200)).body.items;

  it('403 for a role without the permission names the principal, the action and the resource', async () => {
    const viewer = await t.key('viewer');
    const r = await t.http.post('/v1/servers/srv-003/stop').set(bearer(viewer)).send({}).expect(403);
    expect(await rowsOf(r.headers['x-request-id'])).toEqual([
      expect.objectContaining({
        type: 'AUTH',
        outcome: 'DENIED',
        action: 'server.stop',
        actor: expect.objectContaining({ type: 'API_KEY', name: 'test-viewer' }),
        resource: expect.objectContaining({ type: 'server', id: 'srv-003' }),
        reason: expect.stringContaining('servers:operate'),
        details: { attempted: 'POST /v1/servers/:id/stop' },
      }),
    ]);
    expect((await t.prisma.server.findUniqueOrThrow({ where: { id: 'srv-003' } })).task).toBeNull();
  });

  it('401 without credentials and 403 for an operator on admin routes are both recorded', async () => {
    const anon = await t.http.post('/v1/api-keys').send({ name: 'x', role: 'admin' }).expect(401);
    expect(await rowsOf(anon.headers['x-request-id'])).toEqual([
      expect.objectContaining({ type: 'AUTH', outcome: 'DENIED', action: 'api-key.create', actor: expect.objectContaining({ type: 'ANONYMOUS' }), reason: expect.stringMatching(/^UNAUTHENTICATED/) }),
    ]);
    const operator = await t.key('operator');
    const r = await t.http.get('/v1/audit-events').set(bearer(operator)).expect(403);
    expect(await rowsOf(r.headers['x-request-id'])).toEqual([
      expect.objectContaining({ outcome: 'DENIED', action: 'GET /v1/audit-events', actor: expect.objectContaining({ name: 'test-operator' }), reason: expect.stringMatching(/^FORBIDDEN/) }),
    ]);
  });
});
