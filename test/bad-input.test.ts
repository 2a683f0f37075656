import { bearer, startTestApp, TestApp } from './support/app';

/** Bad input always gets a clear 4xx with the documented error body; never a 500, never a change. */
describe('bad input', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());
  const auth = () => bearer(t.admin);
  const errorBody = { error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) } };

  it.each([
    ['POST', '/v1/servers/srv-001/stop', { force: 'yes' }, 400, 'VALIDATION_FAILED', 'force'],
    ['POST', '/v1/servers/srv-001/stop', { force: true, status: 'STOPPED' }, 400, 'VALIDATION_FAILED', 'status'],
    ['POST', '/v1/servers/srv-001/restart', { type: 'WARM' }, 400, 'VALIDATION_FAILED', 'type'],
    ['POST', '/v1/servers/srv-001/start', { anything: 1 }, 400, 'VALIDATION_FAILED', 'anything'],
    ['PATCH', '/v1/servers/srv-001', {}, 400, 'VALIDATION_FAILED', 'name'],
    ['PATCH', '/v1/servers/srv-001', { name: '' }, 400, 'VALIDATION_FAILED', 'name'],
    ['PATCH', '/v1/servers/srv-001', { name: 'x'.repeat(65) }, 400, 'VALIDATION_FAILED', 'name'],
    ['PATCH', '/v1/servers/srv-001', { name: 'ok-name', version: 99 }, 400, 'VALIDATION_FAILED', 'version'],
    ['PATCH', '/v1/servers/srv-001', { name: 'ok-name', poolId: 'pool-gpu-b' }, 400, 'VALIDATION_FAILED', 'poolId'],
    ['PATCH', '/v1/servers/srv-001', { name: "'; DROP TABLE servers; --" }, 400, 'VALIDATION_FAILED', 'name'],
    ['POST', '/v1/servers/srv-001/restart', { type: 'SOFT', task: 'RESTARTING' }, 400, 'VALIDATION_FAILED', 'task'],
    ['POST', '/v1/servers/srv-001/sync', { version: 1 }, 400, 'VALIDATION_FAILED', 'version'],
    ['PATCH', '/v1/servers/srv-001', { name: 'ok-name', id: 'srv-999' }, 400, 'VALIDATION_FAILED', 'id'],
    ['PATCH', '/v1/servers/srv-001', { name: 'ok-name', status: 'RUNNING' }, 400, 'VALIDATION_FAILED', 'status'],
    ['POST', '/v1/api-keys', { name: 'k', role: 'viewer', secretHash: 'x' }, 400, 'VALIDATION_FAILED', 'secretHash'],
    ['POST', '/v1/api-keys', { name: 'k', role: 'viewer', createdById: 'key-x' }, 400, 'VALIDATION_FAILED', 'createdById'],
    ['GET', '/v1/servers?limit=0', undefined, 400, 'VALIDATION_FAILED', 'limit'],
    ['GET', '/v1/servers?limit=abc', undefined, 400, 'VALIDATION_FAILED', 'limit'],
    ['GET', '/v1/servers?status=BROKEN', undefined, 400, 'VALIDATION_FAILED', 'status'],
    ['GET', '/v1/servers?cursor=%%%garbage', undefined, 400, 'VALIDATION_FAILED', 'cursor'],
    ['GET', '/v1/servers?unknown=1', undefined, 400, 'VALIDATION_FAILED', 'unknown'],
    ['GET', '/v1/operations?status=DONE', undefined, 400, 'VALIDATION_FAILED', 'status'],
    ['GET', '/v1/servers/does-not-exist', undefined, 404, 'NOT_FOUND', undefined],
    ['POST', '/v1/servers/does-not-exist/stop', {}, 404, 'NOT_FOUND', undefined],
    ['GET', '/v1/no-such-route', undefined, 404, 'NOT_FOUND', undefined],
  ] as const)('%s %s %j → %i %s', async (method, url, body, status, code, field) => {
    const before = await t.prisma.server.findUniqueOrThrow({ where: { id: 'srv-001' } });
    let req = method === 'GET' ? t.http.get(url) : method === 'POST' ? t.http.post(url) : t.http.patch(url);
    req = req.set(auth());
    const r = await (body === undefined ? req : req.send(body));
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject(errorBody);
    expect(r.body.error.code).toBe(code);
    if (field) expect(JSON.stringify(r.body.error.details.fields)).toContain(field);
    const after = await t.prisma.server.findUniqueOrThrow({ where: { id: 'srv-001' } });
    expect(after.version).toBe(before.version);
  });

  it('malformed JSON is a 400, not a 500', async () => {
    const r = await t.http.post('/v1/servers/srv-001/stop').set(auth()).set('Content-Type', 'application/json').send('{"force": tru');
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
  });

  it('a JSON array or scalar body is refused', async () => {
    for (const raw of ['[1,2]', '"x"', '42', 'null']) {
      const r = await t.http.post('/v1/servers/srv-001/stop').set(auth()).set('Content-Type', 'application/json').send(raw);
      expect([400]).toContain(r.status);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('an oversized body is 413', async () => {
    const r = await t.http.patch('/v1/servers/srv-001').set(auth()).send({ name: 'x'.repeat(400_000) });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('a bad Idempotency-Key header is a 400', async () => {
    const r = await t.http.post('/v1/servers/srv-001/stop').set(auth()).set('Idempotency-Key', 'x'.repeat(300)).send({});
    expect(r.status).toBe(400);
  });

  it('missing or wrong credentials are 401 and audited as DENIED', async () => {
    const r = await t.http.post('/v1/servers/srv-001/stop').send({}).expect(401);
    expect(r.body.error.code).toBe('UNAUTHENTICATED');
    await t.http.get('/v1/servers').set('Authorization', 'Bearer nope').expect(401);
    const denied = (await t.http.get('/v1/audit-events?outcome=DENIED&limit=50').set(bearer(auditor))).body.items;
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(denied[0]).toMatchObject({ type: 'AUTH', action: 'server.stop', actor: { id: 'anonymous' }, resource: { id: 'srv-001' } });
  });

  it('a validation failure on a known server is audited as REJECTED', async () => {
    const r = await t.http.post('/v1/servers/srv-002/stop').set(auth()).send({ force: 'please' }).expect(400);
    const rows = (await t.http.get(`/v1/audit-events?requestId=${r.headers['x-request-id']}`).set(bearer(auditor))).body.items;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'server.stop', outcome: 'REJECTED', resource: { id: 'srv-002' }, reason: expect.stringContaining('VALIDATION_FAILED') });
  });

  it('health routes need no credentials', async () => {
    await t.http.get('/healthz').expect(200);
    const r = await t.http.get('/readyz').expect(200);
    expect(r.body.checks).toMatchObject({ database: 'up', migrations: 'applied' });
  });
});
