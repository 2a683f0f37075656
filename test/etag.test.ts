import { bearer, startTestApp, TestApp } from './support/app';

/** ETag from the version; If-Match on PATCH prevents lost updates. */
describe('ETag and If-Match', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const auth = () => bearer(t.admin);

  it('GET and PATCH return a strong ETag that changes with the version', async () => {
    const g = await t.http.get('/v1/servers/srv-003').set(auth()).expect(200);
    expect(g.headers.etag).toBe(`"srv-003.v${g.body.version}"`);
    const p = await t.http.patch('/v1/servers/srv-003').set(auth()).set('If-Match', g.headers.etag).send({ name: 'etag-a' }).expect(200);
    expect(p.headers.etag).toBe(`"srv-003.v${g.body.version + 1}"`);
    expect(p.headers.etag).not.toBe(g.headers.etag);
  });

  it('two clients rename at once with the same ETag: one 200, one 412, no lost update', async () => {
    const g = await t.http.get('/v1/servers/srv-001').set(auth()).expect(200);
    const etag = g.headers.etag;
    const [a, b] = await Promise.all([
      t.http.patch('/v1/servers/srv-001').set(auth()).set('If-Match', etag).send({ name: 'client-a' }),
      t.http.patch('/v1/servers/srv-001').set(auth()).set('If-Match', etag).send({ name: 'client-b' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const [won, lost] = a.status === 200 ? [a, b] : [b, a];
    expect(lost.body.error.code).toBe('PRECONDITION_FAILED');
    const now = await t.http.get('/v1/servers/srv-001').set(auth()).expect(200);
    // The winner's name stands; the loser learned it must re-read.
    expect(now.body.name).toBe(won.body.name);
    expect(now.body.version).toBe(g.body.version + 1);
    expect(await t.prisma.auditEvent.count({ where: { action: 'server.rename', resourceId: 'srv-001' } })).toBe(1);

    // The loser re-reads and retries with the fresh ETag.
    const retry = await t.http.patch('/v1/servers/srv-001').set(auth()).set('If-Match', now.headers.etag).send({ name: lost === a ? 'client-a' : 'client-b' }).expect(200);
    expect(retry.body.version).toBe(g.body.version + 2);
  });

  it('a stale ETag gets 412 with the current version; a malformed one gets 412 too', async () => {
    const g = await t.http.get('/v1/servers/srv-002').set(auth()).expect(200);
    await t.http.patch('/v1/servers/srv-002').set(auth()).send({ name: 'moved-on' }).expect(200);
    const stale = await t.http.patch('/v1/servers/srv-002').set(auth()).set('If-Match', g.headers.etag).send({ name: 'stale' }).expect(412);
    expect(stale.body.error).toMatchObject({ code: 'PRECONDITION_FAILED', details: { currentVersion: g.body.version + 1 } });
    const bad = await t.http.patch('/v1/servers/srv-002').set(auth()).set('If-Match', 'garbage').send({ name: 'x' }).expect(412);
    expect(bad.body.error.code).toBe('PRECONDITION_FAILED');
    expect((await t.http.get('/v1/servers/srv-002').set(auth())).body.name).toBe('moved-on');
  });
});
