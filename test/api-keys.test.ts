import { bearer, startTestApp, TestApp, until } from './support/app';

describe('API key management', () => {
  let t: TestApp;
  let auditor: string;
  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
  });
  afterAll(() => t.close());

  const admin = () => bearer(t.admin);
  const auditRows = async (requestId: string) => (await t.http.get(`/v1/audit-events?requestId=${requestId}`).set(bearer(auditor)).expect(200)).body.items;

  it('refuses to revoke the last active unrestricted admin key (no lock-out)', async () => {
    const keys = (await t.http.get('/v1/api-keys').set(admin()).expect(200)).body.items;
    const boot = keys.find((k: { name: string }) => k.name === 'bootstrap-admin');
    const r = await t.http.delete(`/v1/api-keys/${boot.id}`).set(admin());
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('CONFLICT');
    await t.http.get('/v1/servers').set(admin()).expect(200);
  });

  it('shows the secret exactly once and stores only its hash and a display prefix', async () => {
    const r = await t.http.post('/v1/api-keys').set(admin()).send({ name: 'ci pipeline', role: 'operator', poolIds: ['pool-gpu-b'] });
    expect(r.status).toBe(201);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.body).toMatchObject({ id: expect.stringMatching(/^key-/), name: 'ci pipeline', role: 'operator', poolIds: ['pool-gpu-b'], status: 'ACTIVE', expiresAt: null, revokedAt: null });
    const { secret, prefix, id } = r.body;
    expect(secret).toMatch(/^lsk_[A-Za-z0-9_-]{32}$/);
    expect(secret.startsWith(prefix)).toBe(true);
    expect(prefix.length).toBeLessThan(16);

    const list = await t.http.get('/v1/api-keys').set(admin()).expect(200);
    const listed = list.body.items.find((k: { id: string }) => k.id === id);
    expect(listed).toMatchObject({ id, prefix, role: 'operator' });
    expect(listed).not.toHaveProperty('secret');
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toMatch(/secretHash|[0-9a-f]{64}/);

    const row = await t.prisma.apiKey.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row.secretHash).toMatch(/^[0-9a-f]{64}$/);

    // The key works, within its pool only.
    await t.http.get('/v1/servers/srv-002').set(bearer(secret)).expect(200);
    await t.http.get('/v1/servers/srv-001').set(bearer(secret)).expect(404);
    expect(await auditRows(r.headers['x-request-id'])).toEqual([
      expect.objectContaining({ type: 'CONFIG', action: 'api-key.create', outcome: 'SUCCEEDED', resource: expect.objectContaining({ type: 'api-key', id }) }),
    ]);
    expect(JSON.stringify(await auditRows(r.headers['x-request-id']))).not.toContain(secret);
  });

  it('revocation takes effect on the very next request, and is audited', async () => {
    const { secret, id } = (await t.http.post('/v1/api-keys').set(admin()).send({ name: 'soon-gone', role: 'viewer' }).expect(201)).body;
    await t.http.get('/v1/servers').set(bearer(secret)).expect(200);
    const del = await t.http.delete(`/v1/api-keys/${id}`).set(admin());
    expect(del.status).toBe(204);
    const refused = await t.http.get('/v1/servers').set(bearer(secret));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHENTICATED');
    expect(await auditRows(del.headers['x-request-id'])).toEqual([expect.objectContaining({ action: 'api-key.revoke', outcome: 'SUCCEEDED', resource: expect.objectContaining({ id }) })]);
    expect(await auditRows(refused.headers['x-request-id'])).toEqual([
      expect.objectContaining({ type: 'AUTH', outcome: 'DENIED', action: 'GET /v1/servers', reason: expect.stringContaining('revoked') }),
    ]);
    const listed = (await t.http.get('/v1/api-keys').set(admin())).body.items.find((k: { id: string }) => k.id === id);
    expect(listed).toMatchObject({ status: 'REVOKED', revokedAt: expect.any(String) });
    // Revoking again changes nothing; an unknown id is a 404.
    await t.http.delete(`/v1/api-keys/${id}`).set(admin()).expect(204);
    await t.http.delete('/v1/api-keys/key-nope').set(admin()).expect(404);
  });

  it('an expired key is refused with 401', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const { secret, id } = (await t.http.post('/v1/api-keys').set(admin()).send({ name: 'short-lived', role: 'viewer', expiresAt }).expect(201)).body;
    await t.http.get('/v1/pools').set(bearer(secret)).expect(200);
    await until('key expired', async () => (await t.http.get('/v1/pools').set(bearer(secret))).status === 401);
    const listed = (await t.http.get('/v1/api-keys').set(admin())).body.items.find((k: { id: string }) => k.id === id);
    expect(listed.status).toBe('EXPIRED');
  });

  it.each([
    [{ role: 'viewer' }, 'name'],
    [{ name: 'x', role: 'root' }, 'role'],
    [{ name: 'x', role: 'viewer', poolIds: [] }, 'poolIds'],
    [{ name: 'x', role: 'viewer', poolIds: ['pool-nope'] }, 'poolIds'],
    [{ name: 'x', role: 'viewer', poolIds: 'pool-gpu-b' }, 'poolIds'],
    [{ name: 'x', role: 'viewer', expiresAt: '2001-01-01T00:00:00Z' }, 'expiresAt'],
    [{ name: 'x', role: 'viewer', expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'x', role: 'viewer', secret: 'lsk_my_own_secret_000000000' }, 'secret'],
    [{ name: 'x', role: 'viewer', prefix: 'lsk_abc' }, 'prefix'],
    [{ name: 'x', role: 'viewer', revokedAt: null }, 'revokedAt'],
    [{ name: 'x', role: 'viewer', id: 'key-mine' }, 'id'],
  ])('refuses %j with 400 naming %s', async (body, field) => {
    const before = await t.prisma.apiKey.count();
    const r = await t.http.post('/v1/api-keys').set(admin()).send(body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(r.body.error.details.fields)).toContain(field);
    expect(await t.prisma.apiKey.count()).toBe(before);
  });

  it('a pool-scoped admin manages only keys within its pools and cannot mint a wider key', async () => {
    const scoped = await t.key('admin', ['pool-gpu-b']);
    const own = await t.http.post('/v1/api-keys').set(bearer(scoped)).send({ name: 'inherits-scope', role: 'operator' }).expect(201);
    expect(own.body.poolIds).toEqual(['pool-gpu-b']);
    const wider = await t.http.post('/v1/api-keys').set(bearer(scoped)).send({ name: 'wider', role: 'admin', poolIds: ['pool-gpu-b', 'pool-ascend-a'] });
    expect(wider.status).toBe(400);
    expect(wider.body.error.message).toContain('pool-ascend-a');

    const visible = (await t.http.get('/v1/api-keys').set(bearer(scoped)).expect(200)).body.items;
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.every((k: { poolIds: string[] | null }) => k.poolIds !== null && k.poolIds.every((p) => p === 'pool-gpu-b'))).toBe(true);
    const unscoped = (await t.http.get('/v1/api-keys').set(admin())).body.items.find((k: { name: string }) => k.name === 'bootstrap-admin');
    await t.http.delete(`/v1/api-keys/${unscoped.id}`).set(bearer(scoped)).expect(404);
    await t.http.delete(`/v1/api-keys/${own.body.id}`).set(bearer(scoped)).expect(204);
  });

  it('revoking your own key works once another unrestricted admin key exists', async () => {
    const other = (await t.http.post('/v1/api-keys').set(admin()).send({ name: 'second-admin', role: 'admin' }).expect(201)).body.secret;
    const boot = (await t.http.get('/v1/api-keys').set(admin())).body.items.find((k: { name: string }) => k.name === 'bootstrap-admin');
    await t.http.delete(`/v1/api-keys/${boot.id}`).set(admin()).expect(204);
    await t.http.get('/v1/api-keys').set(admin()).expect(401);
    await t.http.get('/v1/api-keys').set(bearer(other)).expect(200);
  });
});
