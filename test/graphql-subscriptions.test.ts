import type { INestApplication } from '@nestjs/common';
import { ChangeFeed } from '../src/events/change-feed';
import { ServersService } from '../src/servers/servers.service';
import { bearer, settled, startTestApp, TestApp, until } from './support/app';
import { collect, wsClient } from './support/graphql';

/**
 * Subscriptions over graphql-ws on a real WebSocket. Replica A runs no worker
 * and only listens; replica B accepts and executes the actions, so everything
 * A's subscribers see crossed replicas through PostgreSQL LISTEN/NOTIFY.
 */
describe('GraphQL subscriptions (graphql-ws, across replicas)', () => {
  let t: TestApp;
  let b: INestApplication;
  const clients: ReturnType<typeof wsClient>[] = [];
  beforeAll(async () => {
    t = await startTestApp({ WORKER_ENABLED: 'false' });
    b = await t.replica({ WORKER_ENABLED: 'true' });
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await t.close();
  });

  const client = (key: string | null) => {
    const c = wsClient(t.app, key);
    clients.push(c);
    return c;
  };
  const subscribed = (n: number) => until(`${n} subscription(s) on replica A`, async () => t.app.get(ChangeFeed).subscribers >= n);
  const onB = (path: string, body: object = {}) =>
    import('supertest').then(({ default: request }) => request(b.getHttpServer()).post(path).set(bearer(t.admin)).send(body));

  it('delivers status and operation changes made by another replica, in order, with nested fields', async () => {
    const c = client(t.admin);
    const before = t.app.get(ChangeFeed).subscribers;
    const status = collect(c, `subscription { serverStatusChanged(poolId: "pool-ascend-a") { serverId poolId status previousStatus task server { id status name } } }`);
    const ops = collect(c, `subscription($id: ID) { operationUpdated(serverId: $id) { operationId serverId status type operation { id status } } }`, { id: 'srv-001' });
    await subscribed(before + 2);

    const r = await onB('/v1/servers/srv-001/stop');
    expect(r.status).toBe(202);
    await until('STOPPED delivered', async () => status.events.some((e) => e.serverStatusChanged.status === 'STOPPED'));
    await until('SUCCEEDED delivered', async () => ops.events.some((e) => e.operationUpdated.status === 'SUCCEEDED'));

    expect(status.errors).toEqual([]);
    const mine = status.events.map((e) => e.serverStatusChanged).filter((e) => e.serverId === 'srv-001');
    expect(mine.map((e) => [e.previousStatus, e.status, e.task])).toEqual([
      ['RUNNING', 'STOPPING', 'STOPPING'],
      ['STOPPING', 'STOPPED', null],
    ]);
    expect(mine[1].server).toMatchObject({ id: 'srv-001', status: 'STOPPED' });
    expect(ops.events.map((e) => e.operationUpdated.status)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect(ops.events.every((e) => e.operationUpdated.operationId === r.body.id && e.operationUpdated.type === 'STOP')).toBe(true);
    expect(ops.events[2].operationUpdated.operation).toEqual({ id: r.body.id, status: 'SUCCEEDED' });
    status.dispose();
    ops.dispose();
    await until('subscriptions released', async () => t.app.get(ChangeFeed).subscribers === before);
  });

  it('a failed operation is delivered; a rolled-back change never is', async () => {
    const c = client(t.admin);
    const before = t.app.get(ChangeFeed).subscribers;
    const ops = collect(c, `subscription { operationUpdated(serverId: "srv-002") { status operation { error { code } } } }`);
    await subscribed(before + 1);
    expect((await onB('/v1/simulator/servers/srv-002/fail-next', { command: 'POWER_OFF', message: 'BMC said no' })).status).toBeLessThan(300);
    const r = await onB('/v1/servers/srv-002/stop');
    await settled(t, r.body.id);
    await until('FAILED delivered', async () => ops.events.some((e) => e.operationUpdated.status === 'FAILED'));
    expect(ops.events.map((e) => e.operationUpdated.status)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(ops.events[2].operationUpdated.operation.error.code).toBe('POWER_OFF_FAILED');
    ops.dispose();
    await until('released', async () => t.app.get(ChangeFeed).subscribers === before);

    // A status change whose transaction rolls back is never announced; the next committed one is.
    const before2 = t.app.get(ChangeFeed).subscribers;
    const status = collect(c, `subscription { serverStatusChanged { serverId status } }`);
    await subscribed(before2 + 1);
    const servers = t.app.get(ServersService);
    const srv7 = await t.prisma.server.findUniqueOrThrow({ where: { id: 'srv-007' } });
    await expect(
      t.prisma.$transaction(async (tx) => {
        expect(await servers.casUpdate(tx, srv7, { status: srv7.status === 'RUNNING' ? 'STOPPING' : 'STARTING', task: null })).not.toBeNull();
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const committed = await onB('/v1/servers/srv-001/start');
    expect(committed.status).toBe(202);
    await until('committed change delivered', async () => status.events.some((e) => e.serverStatusChanged.serverId === 'srv-001'));
    expect(status.events.filter((e) => e.serverStatusChanged.serverId === 'srv-007')).toEqual([]);
    await settled(t, committed.body.id);
    status.dispose();
  });

  it('is pool-scoped: a key limited to one pool never hears about another pool', async () => {
    const scoped = client(await t.key('viewer', ['pool-gpu-b']));
    const before = t.app.get(ChangeFeed).subscribers;
    const s = collect(scoped, `subscription { serverStatusChanged { serverId poolId status } }`);
    const o = collect(scoped, `subscription { operationUpdated { serverId poolId status } }`);
    const asked = collect(scoped, `subscription { serverStatusChanged(poolId: "pool-ascend-a") { serverId } }`);
    await subscribed(before + 3);
    // A change in the other pool first, then one in its own: NOTIFY keeps commit order.
    const foreign = await onB('/v1/servers/srv-003/start');
    await settled(t, foreign.body.id);
    const own = await onB('/v1/servers/srv-004/sync');
    await settled(t, own.body.id);
    const gpu = await t.http.get('/v1/servers/srv-004').set(bearer(t.admin));
    expect(gpu.body.poolId).toBe('pool-gpu-b');
    await until('own operation delivered', async () => o.events.some((e) => e.operationUpdated.status === 'SUCCEEDED'));
    expect(o.events.every((e) => e.operationUpdated.poolId === 'pool-gpu-b')).toBe(true);
    expect(s.events.every((e) => e.serverStatusChanged.poolId === 'pool-gpu-b')).toBe(true);
    expect(asked.events).toEqual([]);
    for (const x of [s, o, asked]) x.dispose();
  });

  it('authenticates from connectionParams and checks permissions and limits', async () => {
    const anon = collect(client(null), `subscription { serverStatusChanged { serverId } }`);
    await until('anonymous refused', async () => anon.errors.length > 0);
    expect(anon.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);

    const bad = collect(client('lsk_wrong'), `subscription { operationUpdated { operationId } }`);
    await until('bad key refused', async () => bad.errors.length > 0);
    expect(bad.errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);

    const deep = collect(client(t.admin), `subscription { serverStatusChanged { server { pool { servers { pool { servers { pool { servers { id } } } } } } } } }`);
    await until('deep subscription refused', async () => deep.errors.length > 0);
    expect(deep.errors).toEqual([{ message: 'Query depth 9 exceeds the maximum of 8', extensions: { code: 'QUERY_TOO_DEEP', details: { depth: 9, maxDepth: 8 } } }]);
  });

  it('re-establishes LISTEN after its connection is killed', async () => {
    const feed = t.app.get(ChangeFeed);
    const established = feed.connections;
    await t.prisma.$executeRawUnsafe(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
    );
    await until('reconnected', async () => feed.connections > established && feed.isListening);
    const c = client(t.admin);
    const before = feed.subscribers;
    const s = collect(c, `subscription { serverStatusChanged(poolId: "pool-gpu-b") { serverId status } }`);
    await subscribed(before + 1);
    const r = await onB('/v1/servers/srv-006/restart', { type: 'SOFT' });
    expect(r.status).toBe(202);
    await until('delivered after reconnect', async () => s.events.some((e) => e.serverStatusChanged.serverId === 'srv-006'));
    await settled(t, r.body.id);
    s.dispose();
  });
});
