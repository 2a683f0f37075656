import { bearer, settled, startTestApp, TestApp, until } from './support/app';

/** A repair whose worker is lost does not leave its maintenance event stuck IN_REPAIR. */
describe('maintenance: a repair abandoned by its worker', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The repair takes long enough that the operation is mid-flight when its worker is "lost".
    t = await startTestApp({ REPAIR_DURATION_MS: '30000', OPERATION_TIMEOUT_MS: '60000', WORKER_LEASE_MS: '1000' });
  });
  afterAll(() => t.close());
  const admin = () => bearer(t.admin);

  it('fails with WORKER_LOST, the event ends FAILED and the server ERROR, all audited', async () => {
    const f = await t.http.post('/v1/servers/srv-001/faults').set(admin()).send({ component: 'NPU', severity: 'CRITICAL', description: 'HBM ECC errors' }).expect(201);
    const eventId = f.body.maintenanceEvent.id;
    await t.http.post(`/v1/maintenance-events/${eventId}/authorize`).set(admin()).send({ note: 'go' }).expect(201);
    await until('event IN_REPAIR', async () => (await t.http.get(`/v1/maintenance-events/${eventId}`).set(admin())).body.status === 'IN_REPAIR');
    const op = await t.prisma.operation.findFirstOrThrow({ where: { serverId: 'srv-001', type: 'REPAIR' } });
    // Its worker vanished long ago, after the last allowed attempt.
    await t.prisma.operation.update({
      where: { id: op.id },
      data: { attempts: t.config.worker.maxAttempts, leaseOwner: 'dead-replica', leaseExpiresAt: new Date(Date.now() - 1000) },
    });
    const done = await settled(t, op.id);
    expect(done).toMatchObject({ status: 'FAILED', error: { code: 'WORKER_LOST' } });
    const ev = (await t.http.get(`/v1/maintenance-events/${eventId}`).set(admin())).body;
    expect(ev.status).toBe('FAILED');
    expect((await t.http.get('/v1/servers/srv-001').set(admin())).body).toMatchObject({ status: 'ERROR', task: null });
    const rows = await t.prisma.auditEvent.findMany({ where: { operationId: op.id }, orderBy: { sequence: 'asc' } });
    expect(rows.map((r) => `${r.type}:${r.action}:${r.outcome}`)).toEqual(expect.arrayContaining(['ACTION:server.repair:FAILED', 'MAINTENANCE:maintenance.fail:FAILED']));
  });
});
