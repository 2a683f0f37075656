import { GraphQLSchemaHost } from '@nestjs/graphql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config';
import { printSdl } from '../src/graphql/schema-sdl';
import { PoolsService } from '../src/pools/pools.service';
import { bearer, settled, startTestApp, TestApp, until } from './support/app';
import { codes, gql } from './support/graphql';

const SERVER_FIELDS = 'id name poolId status task version allowedOperations';

/** The GraphQL surface over HTTP: queries, nesting without N+1, errors, limits, parity with REST, roles. */
describe('GraphQL API (HTTP)', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp({ SIMULATOR_FLEET_SIZE: '24' });
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());

  const rest = (path: string, key = t.admin) => t.http.get(path).set(bearer(key)).then((r) => r.body);
  const serversIn = async (status: string, n: number, poolId = 'pool-ascend-a') => {
    const items = (await rest(`/v1/servers?status=${status}&poolId=${poolId}&limit=100`)).items.filter((s: { task: string | null }) => !s.task);
    if (items.length < n) throw new Error(`need ${n} ${status} servers in ${poolId}, have ${items.length}`);
    return items.slice(0, n).map((s: { id: string }) => s.id) as string[];
  };

  it('serves the committed schema', () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(printSdl(t.app.get(GraphQLSchemaHost).schema)).toBe(committed);
  });

  describe('queries', () => {
    it('pages servers as a Relay connection, with the REST fields', async () => {
      const first = await gql(t.app, t.admin, `{ servers(first: 5) { edges { cursor node { ${SERVER_FIELDS} compute { acceleratorType vcpus } network { ipAddress } storage { systemDisk { sizeGb } dataDisks } } } pageInfo { hasNextPage endCursor } } }`);
      expect(first.status).toBe(200);
      expect(first.body.errors).toBeUndefined();
      const conn = first.body.data!.servers;
      expect(conn.edges).toHaveLength(5);
      expect(conn.pageInfo.hasNextPage).toBe(true);
      const restFirst = await rest('/v1/servers?limit=5');
      expect(conn.edges.map((e: any) => e.node.id)).toEqual(restFirst.items.map((s: any) => s.id));
      expect(conn.edges[0].node).toMatchObject({ id: restFirst.items[0].id, status: restFirst.items[0].status, version: restFirst.items[0].version });
      const next = await gql(t.app, t.admin, `query($after: String) { servers(first: 5, after: $after) { edges { node { id } } } }`, { after: conn.pageInfo.endCursor });
      expect(next.body.data!.servers.edges[0].node.id > conn.edges[4].node.id).toBe(true);
      const stopped = await gql(t.app, t.admin, `{ servers(filter: { status: STOPPED, poolId: "pool-gpu-b" }) { edges { node { status poolId } } } }`);
      expect(stopped.body.data!.servers.edges.length).toBeGreaterThan(0);
      expect(stopped.body.data!.servers.edges.every((e: any) => e.node.status === 'STOPPED' && e.node.poolId === 'pool-gpu-b')).toBe(true);
    });

    it('resolves nested fields: pool, image, operations, faults; pool servers and standbys', async () => {
      const [id] = await serversIn('RUNNING', 1);
      const op = (await t.http.post(`/v1/servers/${id}/sync`).set(bearer(t.admin)).send({}).expect(202)).body;
      await settled(t, op.id);
      await t.http.post(`/v1/simulator/servers/${id}/faults`).set(bearer(t.admin)).send({ component: 'GPU', severity: 'MINOR', description: 'ECC errors' });
      await t.prisma.fault.create({ data: { id: `fault-test-${id}`, serverId: id, component: 'DISK', severity: 'MAJOR', description: 'SMART warning', source: 'operator' } });
      const r = await gql(t.app, t.admin, `query($id: ID!) { server(id: $id) { id pool { id name hotStandby { enabled } statusCounts { status count } } image { id architecture } currentOperation { id } recentOperations(limit: 3) { id type status server { id } } openFaults { component severity } } }`, { id });
      expect(r.body.errors).toBeUndefined();
      const s = r.body.data!.server;
      expect(s.pool.id).toBe('pool-ascend-a');
      expect(s.pool.statusCounts.length).toBeGreaterThan(0);
      expect(s.image.id).toEqual(expect.any(String));
      expect(s.currentOperation).toBeNull();
      expect(s.recentOperations[0]).toMatchObject({ id: op.id, type: 'SYNC', status: 'SUCCEEDED', server: { id } });
      expect(s.openFaults).toEqual([{ component: 'DISK', severity: 'MAJOR' }]);
      const pools = await gql(t.app, t.admin, `{ pools { id serverCount servers(first: 100) { id poolId } standbyServers { id role } } }`);
      for (const p of pools.body.data!.pools) {
        expect(p.servers).toHaveLength(p.serverCount);
        expect(p.servers.every((x: any) => x.poolId === p.id)).toBe(true);
        expect(p.standbyServers.every((x: any) => x.role === 'STANDBY')).toBe(true);
      }
      const images = await gql(t.app, t.admin, `{ images(type: PUBLIC) { id type status } }`);
      expect(images.body.data!.images.length).toBeGreaterThan(0);
      const ops = await gql(t.app, t.admin, `query($id: ID!) { operations(filter: { serverId: $id }) { edges { node { id status requestedBy { type } server { id } } } } operation(id: "${op.id}") { id type error { code } } }`, { id });
      expect(ops.body.data!.operations.edges[0].node).toMatchObject({ id: op.id, requestedBy: { type: 'API_KEY' }, server: { id } });
      expect(ops.body.data!.operation).toEqual({ id: op.id, type: 'SYNC', error: null });
    });

    it('batches nested reads: the number of SQL queries does not grow with the page size', async () => {
      const pool = t.prisma.pg;
      const original = pool.query.bind(pool);
      let count = 0;
      (pool as any).query = (...args: unknown[]) => {
        const q = args[0] as string | { text?: string };
        // The operation worker polls on its own timer; it is not part of the request.
        if (!/WITH claimed/.test(typeof q === 'string' ? q : q?.text ?? '')) count++;
        return (original as any)(...args);
      };
      try {
        const run = async (first: number) => {
          count = 0;
          const r = await gql(t.app, t.admin, `{ servers(first: ${first}) { edges { node { id pool { id name } image { id name } currentOperation { id status } } } } }`);
          expect(r.body.errors).toBeUndefined();
          expect(r.body.data!.servers.edges).toHaveLength(Math.min(first, 24));
          return count;
        };
        const small = await run(2);
        const large = await run(50);
        // servers page, pools + their status counts, images, current operations, and the API key lookup.
        expect(large).toBe(small);
        expect(large).toBeLessThanOrEqual(7);
        expect(large).toBeGreaterThan(0);
      } finally {
        (pool as any).query = original;
      }
    });

    it('auditEvents: the audit trail with filters and cursors, for auditors', async () => {
      for (const id of await serversIn('RUNNING', 2)) await settled(t, (await t.http.post(`/v1/servers/${id}/sync`).set(bearer(t.admin)).send({}).expect(202)).body.id);
      const first = await gql(t.app, auditor, `{ auditEvents(first: 3, filter: { type: "ACTION" }) { edges { node { sequence type action outcome actor { type } } } pageInfo { hasNextPage endCursor } } }`);
      expect(first.body.errors).toBeUndefined();
      const edges = first.body.data!.auditEvents.edges;
      expect(edges).toHaveLength(3);
      expect(edges.every((e: any) => e.node.type === 'ACTION')).toBe(true);
      const next = await gql(t.app, auditor, `query($after: String) { auditEvents(first: 3, after: $after, filter: { type: "ACTION" }) { edges { node { sequence } } } }`, { after: first.body.data!.auditEvents.pageInfo.endCursor });
      expect(next.body.data!.auditEvents.edges[0].node.sequence).toBeGreaterThan(edges[2].node.sequence);
      const restPage = await rest('/v1/audit-events?type=ACTION&limit=3', auditor);
      expect(edges.map((e: any) => e.node.sequence)).toEqual(restPage.items.map((e: any) => e.sequence));
    });
  });

  describe('mutations: parity with REST', () => {
    /** An operation's audit rows, without what differs by nature (ids, times, hashes, the server). */
    const auditOf = async (opId: string) =>
      (await rest(`/v1/audit-events?operationId=${opId}&limit=200`, auditor)).items.map((e: any) => ({
        type: e.type,
        action: e.action,
        outcome: e.outcome,
        actor: e.actor,
        fromStatus: e.fromStatus,
        toStatus: e.toStatus,
        reason: e.reason,
        details: e.details,
        sourceIp: e.sourceIp ? 'set' : null,
        requestId: e.requestId ? 'set' : null,
        userAgent: e.userAgent ? 'set' : null,
      }));
    const state = async (id: string) => {
      const s = await rest(`/v1/servers/${id}`);
      return { status: s.status, task: s.task, statusReason: s.statusReason, allowedOperations: s.allowedOperations };
    };

    const cases: { name: string; from: string; path: string; body: object; mutation: string }[] = [
      { name: 'stop', from: 'RUNNING', path: 'stop', body: { force: true }, mutation: 'stopServer(id: $id, force: true)' },
      { name: 'start', from: 'STOPPED', path: 'start', body: {}, mutation: 'startServer(id: $id)' },
      { name: 'restart', from: 'RUNNING', path: 'restart', body: { type: 'HARD' }, mutation: 'restartServer(id: $id, type: HARD)' },
      { name: 'sync', from: 'RUNNING', path: 'sync', body: {}, mutation: 'syncServer(id: $id)' },
      { name: 'switch-os', from: 'STOPPED', path: 'switch-os', body: { imageId: 'img-euleros-2.12-arm-ascend', confirmDataLoss: true }, mutation: 'switchOs(id: $id, imageId: "img-euleros-2.12-arm-ascend", confirmDataLoss: true)' },
      { name: 'upgrade', from: 'RUNNING', path: 'upgrade', body: { component: 'DRIVER', version: '24.1.rc2' }, mutation: 'upgradeServer(id: $id, component: "DRIVER", version: "24.1.rc2")' },
      { name: 'reset-os', from: 'STOPPED', path: 'reset-os', body: { confirmDataLoss: true }, mutation: 'resetOs(id: $id, confirmDataLoss: true)' },
    ];
    for (const c of cases) {
      it(`${c.name}: same operation, state change and audit rows as POST /v1/servers/{id}/${c.path}`, async () => {
        const [viaRest, viaGql] = await serversIn(c.from, 2);
        const r = await t.http.post(`/v1/servers/${viaRest}/${c.path}`).set(bearer(t.admin)).send(c.body).expect(202);
        const g = await gql(t.app, t.admin, `mutation($id: ID!) { op: ${c.mutation} { id type status serverId params requestedBy { type id name } error { code } } }`, { id: viaGql });
        expect(g.body.errors).toBeUndefined();
        const op = g.body.data!.op;
        expect(op).toMatchObject({ type: r.body.type, serverId: viaGql, params: r.body.params, requestedBy: r.body.requestedBy, error: null });
        const [a, b] = await Promise.all([settled(t, r.body.id), settled(t, op.id)]);
        expect(b.status).toBe(a.status);
        expect(await state(viaGql)).toEqual(await state(viaRest));
        expect(await auditOf(op.id)).toEqual(await auditOf(r.body.id));
      });
    }

    it('createImage, updateImage, deleteImage: same operations, images and audit rows as REST', async () => {
      const [viaRest, viaGql] = await serversIn('STOPPED', 2);
      const r = await t.http.post(`/v1/servers/${viaRest}/images`).set(bearer(t.admin)).send({ name: 'captured-R', description: 'd' }).expect(202);
      const g = await gql(t.app, t.admin, `mutation($id: ID!) { createImage(id: $id, name: "captured-G", description: "d") { id type params } }`, { id: viaGql });
      expect(g.body.errors).toBeUndefined();
      const [a, b] = await Promise.all([settled(t, r.body.id), settled(t, g.body.data!.createImage.id)]);
      expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      // Names, servers and new image ids differ by construction; everything else must match.
      const rename = (rows: unknown[], from: string) =>
        JSON.parse(JSON.stringify(rows).split(from).join('X').split(viaRest).join('S').split(viaGql).join('S').replace(/img-[0-9a-f-]{36}/g, 'IMG'));
      expect(rename(await auditOf(b.id), 'captured-G')).toEqual(rename(await auditOf(a.id), 'captured-R'));
      const images = await gql(t.app, t.admin, `{ images(type: CUSTOM) { id name status sourceServerId version } }`);
      const mine = images.body.data!.images.find((i: any) => i.name === 'captured-G');
      expect(mine).toMatchObject({ status: 'AVAILABLE', sourceServerId: viaGql });
      const u = await gql(t.app, t.admin, `mutation($id: ID!, $v: Int) { updateImage(id: $id, name: "captured-G2", expectedVersion: $v) { name version } }`, { id: mine.id, v: mine.version });
      expect(u.body.data!.updateImage).toEqual({ name: 'captured-G2', version: mine.version + 1 });
      const d = await gql(t.app, t.admin, `mutation($id: ID!) { deleteImage(id: $id) }`, { id: mine.id });
      expect(d.body.data!.deleteImage).toBe(mine.id);
      await t.http.get(`/v1/images/${mine.id}`).set(bearer(t.admin)).expect(404);
      const rows = (await rest(`/v1/audit-events?resourceId=${mine.id}&limit=50`, auditor)).items.map((e: any) => `${e.action}:${e.outcome}`);
      expect(rows).toEqual(expect.arrayContaining(['image.update:SUCCEEDED', 'image.delete:SUCCEEDED']));
      const publicImage = await gql(t.app, t.admin, `mutation { deleteImage(id: "img-euleros-2.10-arm-ascend") }`);
      expect(codes(publicImage.body)).toEqual(['PUBLIC_IMAGE_READ_ONLY']);
    });

    it('OS actions refuse without confirmDataLoss (DATA_LOSS_NOT_CONFIRMED) and are admin-only', async () => {
      const [id] = await serversIn('STOPPED', 1);
      const viaRest = await t.http.post(`/v1/servers/${id}/reset-os`).set(bearer(t.admin)).send({}).expect(400);
      const g = await gql(t.app, t.admin, `mutation { resetOs(id: "${id}") { id } }`);
      expect(g.body.errors![0]).toMatchObject({ message: viaRest.body.error.message, extensions: { code: 'DATA_LOSS_NOT_CONFIRMED', details: viaRest.body.error.details } });
      const op = await gql(t.app, await t.key('operator'), `mutation { switchOs(id: "${id}", imageId: "img-euleros-2.12-arm-ascend", confirmDataLoss: true) { id } }`);
      expect(codes(op.body)).toEqual(['FORBIDDEN']);
    });

    it('rename: same result and audit row as PATCH /v1/servers/{id}', async () => {
      const [viaRest, viaGql] = await serversIn('STOPPED', 2);
      const before = await rest(`/v1/servers/${viaGql}`);
      await t.http.patch(`/v1/servers/${viaRest}`).set(bearer(t.admin)).send({ name: 'renamed-rest' }).expect(200);
      const g = await gql(t.app, t.admin, `mutation($id: ID!, $v: Int) { renameServer(id: $id, name: "renamed-gql", expectedVersion: $v) { id name version } }`, { id: viaGql, v: before.version });
      expect(g.body.data!.renameServer).toEqual({ id: viaGql, name: 'renamed-gql', version: before.version + 1 });
      const rows = async (id: string) =>
        (await rest(`/v1/audit-events?resourceId=${id}&action=server.rename&limit=10`, auditor)).items.map((e: any) => ({ type: e.type, outcome: e.outcome, actor: e.actor, from: e.details.from === (id === viaRest ? undefined : before.name) }));
      expect(await rows(viaGql)).toHaveLength(1);
      expect((await rows(viaGql)).map(({ from: _f, ...x }: any) => x)).toEqual((await rows(viaRest)).map(({ from: _f, ...x }: any) => x));
      const stale = await gql(t.app, t.admin, `mutation($id: ID!) { renameServer(id: $id, name: "again", expectedVersion: 1) { id } }`, { id: viaGql });
      expect(codes(stale.body)).toEqual(['PRECONDITION_FAILED']);
    });

    it('idempotencyKey: a retry returns the original operation; reuse with other arguments is refused', async () => {
      const [id] = await serversIn('RUNNING', 1, 'pool-gpu-b');
      const m = (force: boolean) => gql(t.app, t.admin, `mutation($id: ID!) { stopServer(id: $id, force: ${force}, idempotencyKey: "gql-stop-1") { id } }`, { id });
      const a = await m(false);
      const b = await m(false);
      expect(b.body.data!.stopServer.id).toBe(a.body.data!.stopServer.id);
      const c = await m(true);
      expect(codes(c.body)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      expect(c.body.errors![0].extensions!.details).toEqual({ idempotencyKey: 'gql-stop-1' });
      await settled(t, a.body.data!.stopServer.id);
    });
  });

  describe('maintenance, hot standby and failover', () => {
    it('reportFault → maintenance event → authorizeRepair / rejectRepair, like REST', async () => {
      const [a, b] = await serversIn('STOPPED', 2, 'pool-gpu-b');
      const viaRest = await t.http.post(`/v1/servers/${a}/faults`).set(bearer(t.admin)).send({ component: 'PSU', severity: 'MAJOR', description: 'redundancy lost' });
      expect(viaRest.status).toBeLessThan(300);
      const g = await gql(t.app, t.admin, `mutation($id: ID!) { reportFault(id: $id, component: "PSU", severity: MAJOR, description: "redundancy lost") { fault { component severity maintenanceEventId } maintenanceEvent { id status severity server { id } allowedActions } } }`, { id: b });
      expect(g.body.errors).toBeUndefined();
      const ev = g.body.data!.reportFault.maintenanceEvent;
      expect(ev).toMatchObject({ status: viaRest.body.maintenanceEvent.status, severity: 'MAJOR', server: { id: b }, allowedActions: viaRest.body.maintenanceEvent.allowedActions });
      const list = await gql(t.app, t.admin, `query($id: ID) { maintenanceEvents(filter: { serverId: $id }) { edges { node { id faults { component } } } } }`, { id: b });
      expect(list.body.data!.maintenanceEvents.edges.map((e: any) => e.node.id)).toEqual([ev.id]);
      const viewer = await gql(t.app, await t.key('viewer'), `mutation { authorizeRepair(id: "${ev.id}", note: "go") { status } }`);
      expect(codes(viewer.body)).toEqual(['FORBIDDEN']);
      const rej = await gql(t.app, t.admin, `mutation { rejectRepair(id: "${ev.id}", note: "not now") { status decisionNote } }`);
      expect(rej.body.data!.rejectRepair).toEqual({ status: 'REJECTED', decisionNote: 'not now' });
      const again = await gql(t.app, t.admin, `mutation { authorizeRepair(id: "${ev.id}", note: "go") { status } }`);
      expect(again.body.errors![0].extensions!.code).toBe((await t.http.post(`/v1/maintenance-events/${ev.id}/authorize`).set(bearer(t.admin)).send({ note: 'go' })).body.error.code);
      const ok = await gql(t.app, t.admin, `mutation { authorizeRepair(id: "${viaRest.body.maintenanceEvent.id}", note: "go") { status } }`);
      expect(ok.body.errors).toBeUndefined();
      const rows = (await rest(`/v1/audit-events?action=maintenance.reject&limit=10`, auditor)).items;
      expect(rows).toEqual([expect.objectContaining({ outcome: 'SUCCEEDED', actor: expect.objectContaining({ type: 'API_KEY' }) })]);
    });

    it('setHotStandby, pool.hotStandbyPolicy and failoverServer', async () => {
      const [active, standby] = await serversIn('RUNNING', 2, 'pool-gpu-b');
      const set = await gql(t.app, t.admin, `mutation($s: [ID!]!) { setHotStandby(poolId: "pool-gpu-b", enabled: true, autoFailover: false, standbyServerIds: $s) { poolId enabled standbyServerIds standbys { id available } } }`, { s: [standby] });
      expect(set.body.errors).toBeUndefined();
      expect(set.body.data!.setHotStandby).toMatchObject({ poolId: 'pool-gpu-b', enabled: true, standbyServerIds: [standby] });
      const pools = await gql(t.app, t.admin, `{ pools { id hotStandbyPolicy { enabled standbyServerIds } standbyServers { id } } }`);
      const gpu = pools.body.data!.pools.find((p: any) => p.id === 'pool-gpu-b');
      expect(gpu).toMatchObject({ hotStandbyPolicy: { enabled: true, standbyServerIds: [standby] }, standbyServers: [{ id: standby }] });
      const op = await gql(t.app, await t.key('operator'), `mutation { failoverServer(id: "${active}") { id } }`);
      expect(codes(op.body)).toEqual(['FORBIDDEN']);
      const f = await gql(t.app, t.admin, `mutation { failoverServer(id: "${active}") { type status serverId } }`);
      expect(f.body.data!.failoverServer).toEqual({ type: 'FAILOVER', status: 'SUCCEEDED', serverId: active });
      const roles = await gql(t.app, t.admin, `{ a: server(id: "${active}") { role } s: server(id: "${standby}") { role } }`);
      expect(roles.body.data).toEqual({ a: { role: 'STANDBY' }, s: { role: 'ACTIVE' } });
    });
  });

  describe('errors', () => {
    it('domain errors carry the REST code and details', async () => {
      const [id] = await serversIn('RUNNING', 1, 'pool-gpu-b');
      const viaRest = await t.http.post(`/v1/servers/${id}/start`).set(bearer(t.admin)).send({}).expect(409);
      const g = await gql(t.app, t.admin, `mutation { startServer(id: "${id}") { id } }`);
      expect(g.status).toBe(200);
      expect(g.body.data).toBeNull();
      expect(g.body.errors).toEqual([
        { message: viaRest.body.error.message, path: ['startServer'], locations: expect.any(Array), extensions: { code: 'INVALID_STATE', details: viaRest.body.error.details } },
      ]);
      // Both refusals are in the audit trail.
      const rejected = (await rest(`/v1/audit-events?resourceId=${id}&outcome=REJECTED&limit=10`, auditor)).items;
      expect(rejected.filter((e: any) => e.action === 'server.start')).toHaveLength(2);

      const nf = await gql(t.app, t.admin, `{ server(id: "srv-nope") { id } }`);
      expect(nf.body.errors![0].extensions).toEqual({ code: 'NOT_FOUND', details: { resource: 'Server', id: 'srv-nope' } });
    });

    it('UNAUTHENTICATED and FORBIDDEN, recorded as DENIED against the attempted action', async () => {
      const anon = await gql(t.app, null, `{ servers { edges { node { id } } } }`);
      expect(codes(anon.body)).toEqual(['UNAUTHENTICATED']);
      const bad = await gql(t.app, 'lsk_not_a_key', `{ pools { id } }`);
      expect(codes(bad.body)).toEqual(['UNAUTHENTICATED']);
      const viewer = await t.key('viewer');
      const [id] = await serversIn('STOPPED', 1, 'pool-gpu-b');
      const f = await gql(t.app, viewer, `mutation { startServer(id: "${id}") { id } }`);
      expect(codes(f.body)).toEqual(['FORBIDDEN']);
      const denied = (await rest(`/v1/audit-events?resourceId=${id}&outcome=DENIED&limit=10`, auditor)).items;
      expect(denied).toEqual([expect.objectContaining({ type: 'AUTH', action: 'server.start', reason: expect.stringContaining('FORBIDDEN') })]);
    });

    it('invalid arguments are VALIDATION_FAILED with the fields named, and audited like REST', async () => {
      const [id] = await serversIn('STOPPED', 1, 'pool-gpu-b');
      const r = await gql(t.app, t.admin, `mutation { renameServer(id: "${id}", name: "no spaces allowed") { id } }`);
      expect(codes(r.body)).toEqual(['VALIDATION_FAILED']);
      expect(r.body.errors![0].extensions!.details.fields).toEqual([{ field: 'name', problems: [expect.stringContaining('letters, digits')] }]);
      const key = await gql(t.app, t.admin, `mutation { syncServer(id: "${id}", idempotencyKey: "") { id } }`);
      expect(codes(key.body)).toEqual(['VALIDATION_FAILED']);
      const rejected = (await rest(`/v1/audit-events?resourceId=${id}&outcome=REJECTED&limit=10`, auditor)).items;
      expect(rejected.map((e: any) => e.action).sort()).toEqual(['server.rename', 'server.sync']);
      const nested = await gql(t.app, t.admin, `{ servers(first: 1) { edges { node { recentOperations(limit: 0) { id } } } } }`);
      expect(codes(nested.body)).toEqual(['VALIDATION_FAILED']);
      const cursor = await gql(t.app, t.admin, `{ servers(after: "garbage!") { edges { node { id } } } }`);
      expect(codes(cursor.body)).toEqual(['VALIDATION_FAILED']);
    });

    it('malformed queries, unknown fields and wrong variable types are 400 GraphQL errors, never 500', async () => {
      const parse = await gql(t.app, t.admin, `{ servers { edges `);
      expect(parse.status).toBe(400);
      expect(codes(parse.body)).toEqual(['GRAPHQL_PARSE_FAILED']);
      const unknown = await gql(t.app, t.admin, `{ servers { edges { node { id secret } } } }`);
      expect(unknown.status).toBe(400);
      expect(codes(unknown.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      const badVar = await gql(t.app, t.admin, `query($n: Int) { servers(first: $n) { edges { node { id } } } }`, { n: 'ten' });
      expect(badVar.status).toBe(400);
      expect(codes(badVar.body)).toEqual(['BAD_USER_INPUT']);
      const badEnum = await gql(t.app, t.admin, `{ servers(filter: { status: SLEEPING }) { edges { node { id } } } }`);
      expect(badEnum.status).toBe(400);
      const notJson = await t.http.post('/graphql').set(bearer(t.admin)).set('Content-Type', 'application/json').send('{"query": ');
      expect(notJson.status).toBe(400);
      const noQuery = await t.http.post('/graphql').set(bearer(t.admin)).send({});
      expect(noQuery.status).toBe(400);
    });

    it('unexpected errors are a generic INTERNAL, with nothing leaked', async () => {
      const spy = jest.spyOn(t.app.get(PoolsService), 'list').mockRejectedValueOnce(new Error('password=hunter2 at db-7'));
      try {
        const r = await gql(t.app, t.admin, `{ pools { id } }`);
        expect(r.body.errors).toEqual([{ message: 'An unexpected error occurred', path: ['pools'], locations: expect.any(Array), extensions: { code: 'INTERNAL' } }]);
        expect(JSON.stringify(r.body)).not.toContain('hunter2');
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('limits', () => {
    it('refuses a too deep query with QUERY_TOO_DEEP', async () => {
      const r = await gql(t.app, t.admin, `{ servers { edges { node { pool { servers { pool { servers { pool { id } } } } } } } } }`);
      expect(r.status).toBe(400);
      expect(r.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'QUERY_TOO_DEEP', details: { depth: 9, maxDepth: 8 } } })]);
    });

    it('refuses a too complex query with QUERY_TOO_COMPLEX (list sizes multiply)', async () => {
      const r = await gql(t.app, t.admin, `{ servers(first: 100) { edges { node { id pool { servers(first: 100) { id name status } } } } } }`);
      expect(r.status).toBe(400);
      expect(codes(r.body)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(r.body.errors![0].message).toMatch(/complexity \d+ exceeds the maximum of 10000/);
      const viaVariable = await gql(t.app, t.admin, `query($n: Int) { servers(first: $n) { edges { node { id pool { servers(first: $n) { id name status } } } } } }`, { n: 100 });
      expect(codes(viaVariable.body)).toEqual(['QUERY_TOO_COMPLEX']);
    });

    it('caps page sizes at 100', async () => {
      const r = await gql(t.app, t.admin, `{ servers(first: 101) { edges { node { id } } } }`);
      expect(codes(r.body)).toEqual(['VALIDATION_FAILED']);
      expect(r.body.errors![0].extensions!.details.fields).toEqual([{ field: 'first', problems: ['first must not be greater than 100'] }]);
      const ok = await gql(t.app, t.admin, `{ servers(first: 100) { edges { node { id } } } }`);
      expect(ok.body.errors).toBeUndefined();
    });

    it('introspection and the playground follow configuration (off by default in production)', async () => {
      const prod = loadConfig({ NODE_ENV: 'production' });
      expect(prod.graphql).toMatchObject({ introspection: false, playground: false });
      expect(loadConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }).graphql.introspection).toBe(true);
      expect(loadConfig({ NODE_ENV: 'development' }).graphql).toMatchObject({ introspection: true, playground: true });
      expect(() => loadConfig({ GRAPHQL_MAX_DEPTH: 'deep' })).toThrow(/GRAPHQL_MAX_DEPTH/);

      const q = `{ __schema { queryType { name } } }`;
      expect((await gql(t.app, t.admin, q)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      const closed = await t.replica({ GRAPHQL_INTROSPECTION: 'false', GRAPHQL_PLAYGROUND: 'false', WORKER_ENABLED: 'false' });
      const r = await gql(closed, t.admin, q);
      expect(r.status).toBe(400);
      expect(codes(r.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      const page = await (await import('supertest')).default(closed.getHttpServer()).get('/graphql').set('Accept', 'text/html');
      expect(page.text ?? '').not.toMatch(/playground|sandbox/i);
    });
  });

  describe('roles and pool scopes', () => {
    let keys: Record<string, string>;
    beforeAll(async () => {
      keys = {
        viewer: await t.key('viewer'),
        operator: await t.key('operator'),
        admin: t.admin,
        auditor,
        'out-of-pool': await t.key('operator', ['pool-gpu-b']),
      };
    });

    // What each principal gets for each operation (a code, or 'ok').
    const matrix: { op: string; query: (id: string) => string; expect: Record<string, string> }[] = [
      { op: 'servers', query: () => `{ servers { edges { node { id } } } }`, expect: { viewer: 'ok', operator: 'ok', admin: 'ok', auditor: 'ok', 'out-of-pool': 'ok' } },
      { op: 'server', query: (id) => `{ server(id: "${id}") { id } }`, expect: { viewer: 'ok', operator: 'ok', admin: 'ok', auditor: 'ok', 'out-of-pool': 'NOT_FOUND' } },
      { op: 'pools', query: () => `{ pools { id } }`, expect: { viewer: 'ok', operator: 'ok', admin: 'ok', auditor: 'ok', 'out-of-pool': 'ok' } },
      { op: 'images', query: () => `{ images { id } }`, expect: { viewer: 'ok', operator: 'ok', admin: 'ok', auditor: 'ok', 'out-of-pool': 'ok' } },
      { op: 'operations', query: () => `{ operations { edges { node { id } } } }`, expect: { viewer: 'ok', operator: 'ok', admin: 'ok', auditor: 'ok', 'out-of-pool': 'ok' } },
      { op: 'auditEvents', query: () => `{ auditEvents(first: 1) { edges { node { id } } } }`, expect: { viewer: 'FORBIDDEN', operator: 'FORBIDDEN', admin: 'FORBIDDEN', auditor: 'ok', 'out-of-pool': 'FORBIDDEN' } },
      { op: 'syncServer', query: (id) => `mutation { syncServer(id: "${id}") { id } }`, expect: { viewer: 'FORBIDDEN', operator: 'ok', admin: 'ok', auditor: 'FORBIDDEN', 'out-of-pool': 'NOT_FOUND' } },
      { op: 'renameServer', query: (id) => `mutation { renameServer(id: "${id}", name: "matrix-name") { id } }`, expect: { viewer: 'FORBIDDEN', operator: 'ok', admin: 'ok', auditor: 'FORBIDDEN', 'out-of-pool': 'NOT_FOUND' } },
      { op: 'stopServer (INVALID_STATE after the first)', query: (id) => `mutation { stopServer(id: "${id}") { id } }`, expect: { viewer: 'FORBIDDEN', operator: 'ok', admin: 'INVALID_STATE', auditor: 'FORBIDDEN', 'out-of-pool': 'NOT_FOUND' } },
    ];

    it.each(matrix.map((m) => [m.op, m] as const))('%s', async (_name, m) => {
      const [id] = await serversIn('RUNNING', 1);
      for (const who of ['viewer', 'operator', 'admin', 'auditor', 'out-of-pool']) {
        const r = await gql(t.app, keys[who], m.query(id));
        expect({ who, got: r.body.errors ? codes(r.body)[0] : 'ok' }).toEqual({ who, got: m.expect[who] });
      }
    });

    it('a pool-scoped key sees nothing of other pools, top-level or nested', async () => {
      const k = keys['out-of-pool'];
      const [foreign] = await serversIn('RUNNING', 1);
      const op = (await t.http.post(`/v1/servers/${foreign}/sync`).set(bearer(t.admin)).send({}).expect(202)).body;
      const r = await gql(
        t.app,
        k,
        `{ servers(first: 100) { edges { node { poolId pool { id } recentOperations(limit: 20) { server { poolId } } } } }
           pools { id servers(first: 100) { poolId } standbyServers { poolId } }
           operations(first: 100) { edges { node { serverId server { poolId } } } } }`,
      );
      expect(r.body.errors).toBeUndefined();
      const d = r.body.data!;
      expect(d.servers.edges.length).toBeGreaterThan(0);
      expect(d.servers.edges.every((e: any) => e.node.poolId === 'pool-gpu-b' && e.node.pool.id === 'pool-gpu-b' && e.node.recentOperations.every((o: any) => o.server.poolId === 'pool-gpu-b'))).toBe(true);
      expect(d.pools.map((p: any) => p.id)).toEqual(['pool-gpu-b']);
      expect(d.pools[0].servers.every((s: any) => s.poolId === 'pool-gpu-b')).toBe(true);
      expect(d.operations.edges.every((e: any) => e.node.server.poolId === 'pool-gpu-b')).toBe(true);
      const one = await gql(t.app, k, `{ operation(id: "${op.id}") { id server { id } } }`);
      expect(codes(one.body)).toEqual(['NOT_FOUND']);
      await settled(t, op.id);
      const audit = await gql(t.app, await t.key('auditor', ['pool-gpu-b']), `{ auditEvents(first: 100, filter: { resourceId: "${foreign}" }) { edges { node { id } } } }`);
      expect(audit.body.data!.auditEvents.edges).toEqual([]);
      await until('nothing left running', async () => !(await t.prisma.operation.count({ where: { status: { in: ['PENDING', 'RUNNING'] } } })));
    });
  });
});
