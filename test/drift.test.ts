import { bearer, settled, startTestApp, TestApp } from './support/app';

/** The seed's "Sync Status": drift injected through the simulator, repaired by sync. */
describe('on-demand sync repairs drift', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());
  const auth = () => bearer(t.admin);

  it('RUNNING in the console but powered off → STOPPED, audited as system:status-sync', async () => {
    await t.http.post('/v1/simulator/servers/srv-001/power-state').set(auth()).send({ state: 'OFF' }).expect(200);
    expect((await t.http.get('/v1/servers/srv-001').set(auth())).body.status).toBe('RUNNING');
    const r = await t.http.post('/v1/servers/srv-001/sync').set(auth()).send({}).expect(202);
    expect(r.body.type).toBe('SYNC');
    expect((await settled(t, r.body.id)).status).toBe('SUCCEEDED');
    const s = (await t.http.get('/v1/servers/srv-001').set(auth())).body;
    expect(s).toMatchObject({ status: 'STOPPED', uptimeSeconds: null });
    expect(s.lastSyncedAt).toBeTruthy();
    const rows = (await t.http.get(`/v1/audit-events?operationId=${r.body.id}`).set(bearer(auditor))).body.items;
    expect(rows.map((e: { type: string; outcome: string }) => `${e.type}:${e.outcome}`)).toEqual(['ACTION:ACCEPTED', 'STATE_TRANSITION:SUCCEEDED', 'ACTION:SUCCEEDED']);
    expect(rows[1]).toMatchObject({ actor: { id: 'system:status-sync' }, fromStatus: 'RUNNING', toStatus: 'STOPPED', details: { observedPower: 'OFF' } });
  });

  it('STOPPED in the console but powered on → RUNNING', async () => {
    await t.http.post('/v1/simulator/servers/srv-003/power-state').set(auth()).send({ state: 'ON' }).expect(200);
    const r = await t.http.post('/v1/servers/srv-003/sync').set(auth()).expect(202);
    await settled(t, r.body.id);
    expect((await t.http.get('/v1/servers/srv-003').set(auth())).body.status).toBe('RUNNING');
  });

  it('no drift: no transition and no status write', async () => {
    const before = (await t.http.get('/v1/servers/srv-002').set(auth())).body;
    const r = await t.http.post('/v1/servers/srv-002/sync').set(auth()).expect(202);
    await settled(t, r.body.id);
    const after = (await t.http.get('/v1/servers/srv-002').set(auth())).body;
    expect(after).toMatchObject({ status: before.status, version: before.version });
    const rows = (await t.http.get(`/v1/audit-events?operationId=${r.body.id}&type=STATE_TRANSITION`).set(bearer(auditor))).body.items;
    expect(rows).toHaveLength(0);
  });

  it('an unreachable controller fails the sync with BMC_UNREACHABLE and changes nothing', async () => {
    await t.http.post('/v1/simulator/servers/srv-004/reachability').set(auth()).send({ reachable: false }).expect(200);
    const before = (await t.http.get('/v1/servers/srv-004').set(auth())).body;
    const r = await t.http.post('/v1/servers/srv-004/sync').set(auth()).expect(202);
    const op = await settled(t, r.body.id);
    expect(op).toMatchObject({ status: 'FAILED', error: { code: 'BMC_UNREACHABLE' } });
    expect((await t.http.get('/v1/servers/srv-004').set(auth())).body).toMatchObject({ status: before.status, version: before.version });
    await t.http.post('/v1/simulator/servers/srv-004/reachability').set(auth()).send({ reachable: true }).expect(200);
  });
});
