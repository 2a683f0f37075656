import { Client } from 'pg';
import { toAuditEvent } from '../src/audit/audit.query';
import { toAuditView, AuditEventView } from '../src/audit/audit.view';
import { seedAuditChain, SeedRow } from './support/audit-seed';
import { bearer, startTestApp, TestApp } from './support/app';

const START = Date.parse('2025-03-01T00:00:00.000Z');
const HOUR = 3_600_000;

describe('audit reporting', () => {
  let t: TestApp;
  let su: Client;
  let auditor: string;
  let all: AuditEventView[];
  let servers: { id: string; poolId: string }[];

  const oracle = (pred: (e: AuditEventView) => boolean = () => true) => all.filter(pred);
  const seqs = (rows: { sequence: number }[]) => rows.map((r) => r.sequence);

  /** Reads every page; also checks that no page repeats an event. */
  async function pages(path: string, key = auditor, limit = 7, startCursor: string | null = null): Promise<AuditEventView[]> {
    const out: AuditEventView[] = [];
    let cursor: string | null = startCursor;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const r = await t.http.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`).set(bearer(key));
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(limit);
      out.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(new Set(seqs(out)).size).toBe(out.length);
    return out;
  }

  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
    su = new Client({ connectionString: t.databaseUrl });
    await su.connect();
    servers = (await su.query('SELECT id, "poolId" FROM servers ORDER BY id')).rows;
    const make = (i: number): SeedRow => {
      const s = servers[i % servers.length];
      return {
        occurredAt: new Date(START + i * HOUR),
        type: i % 3 === 0 ? 'STATE_TRANSITION' : i % 7 === 0 ? 'AUTH' : 'ACTION',
        action: ['server.stop', 'server.start', 'server.rename', 'server.sync'][i % 4],
        outcome: ['ACCEPTED', 'SUCCEEDED', 'FAILED', 'REJECTED', 'DENIED'][i % 5],
        actorType: 'API_KEY',
        actorId: `key-${i % 3}`,
        actorName: i === 5 ? '=HYPERLINK("http://evil",x),y' : `actor ${i % 3}`,
        resourceType: i % 11 === 0 ? 'image' : 'server',
        resourceId: i % 11 === 0 ? `img-${i}` : s.id,
        resourceName: `node ${s.id}`,
        poolId: i % 13 === 0 ? null : s.poolId,
        operationId: `op-${Math.floor(i / 3)}`,
        requestId: `req-${Math.floor(i / 2)}`,
        sourceIp: '10.1.2.3',
        userAgent: 'test',
        fromStatus: i % 3 === 0 ? 'RUNNING' : null,
        toStatus: i % 3 === 0 ? 'STOPPING' : null,
        reason: i === 6 ? 'line one\nline "two"' : null,
        details: { i, nested: { b: 1, a: [1, 2] } },
      };
    };
    await seedAuditChain(su, 300, make, { batch: 64 });
    all = (await su.query('SELECT * FROM audit_events ORDER BY sequence')).rows.map((r) => toAuditView(toAuditEvent(r)));
  });
  afterAll(async () => {
    await su.end();
    await t.close();
  });

  describe('filters and pagination are exact, in both directions', () => {
    const at = (h: number) => new Date(START + h * HOUR).toISOString();
    const cases: [string, () => string, (e: AuditEventView) => boolean][] = [
      ['no filter', () => '', () => true],
      ['resourceId', () => 'resourceId=srv-003', (e) => e.resource.id === 'srv-003'],
      ['resourceType', () => 'resourceType=image', (e) => e.resource.type === 'image'],
      ['action', () => 'action=server.stop', (e) => e.action === 'server.stop'],
      ['type', () => 'type=STATE_TRANSITION', (e) => e.type === 'STATE_TRANSITION'],
      ['outcome', () => 'outcome=FAILED', (e) => e.outcome === 'FAILED'],
      ['actorId', () => 'actorId=key-2', (e) => e.actor.id === 'key-2'],
      ['poolId', () => `poolId=${servers[1].poolId}`, (e) => e.poolId === servers[1].poolId],
      ['operationId', () => 'operationId=op-5', (e) => e.operationId === 'op-5'],
      ['requestId', () => 'requestId=req-7', (e) => e.requestId === 'req-7'],
      ['time range (from inclusive, to exclusive)', () => `from=${at(10)}&to=${at(50)}`, (e) => e.occurredAt >= at(10) && e.occurredAt < at(50)],
      ['actor + time range', () => `actorId=key-1&from=${at(100)}&to=${at(200)}`, (e) => e.actor.id === 'key-1' && e.occurredAt >= at(100) && e.occurredAt < at(200)],
      ['server + outcome + type', () => 'resourceId=srv-002&outcome=SUCCEEDED&type=ACTION', (e) => e.resource.id === 'srv-002' && e.outcome === 'SUCCEEDED' && e.type === 'ACTION'],
      ['nothing matches', () => 'actorId=nobody', () => false],
    ];
    it.each(cases)('%s', async (_name, query, pred) => {
      const expected = oracle(pred);
      expect(await pages(`/v1/audit-events?${query()}`)).toEqual(expected);
      expect(seqs(await pages(`/v1/audit-events?${query()}&order=desc`, auditor, 9))).toEqual(seqs(expected).reverse());
    });

    it('descending pages stay exact while new events are appended between pages', async () => {
      const first = await t.http.get('/v1/audit-events?order=desc&limit=10').set(bearer(auditor));
      await t.http.patch(`/v1/servers/${servers[0].id}`).set(bearer(t.admin)).send({ name: 'renamed-between-pages' }).expect(200);
      const rest = await pages('/v1/audit-events?order=desc', auditor, 50, first.body.nextCursor);
      expect(seqs([...first.body.items, ...rest])).toEqual(seqs(all).reverse());
      all = (await su.query('SELECT * FROM audit_events ORDER BY sequence')).rows.map((r) => toAuditView(toAuditEvent(r)));
    });

    it('a pool-scoped auditor sees only its pools', async () => {
      const pool = servers[0].poolId;
      const scoped = await t.key('auditor', [pool]);
      expect(seqs(await pages('/v1/audit-events', scoped, 50))).toEqual(seqs(oracle((e) => e.poolId === pool)));
      expect(await pages(`/v1/audit-events?poolId=${servers[1].poolId === pool ? 'none' : servers[1].poolId}`, scoped)).toEqual([]);
    });

    it('bad cursors, ranges and values are 400, never 500', async () => {
      const asc = await t.http.get('/v1/audit-events?limit=2').set(bearer(auditor));
      for (const q of [
        `order=desc&cursor=${asc.body.nextCursor}`,
        'cursor=not-a-cursor',
        'from=2025-03-05T00:00:00Z&to=2025-03-01T00:00:00Z',
        'from=yesterday',
        'outcome=MAYBE',
        'limit=0',
        'unknown=1',
      ]) {
        const r = await t.http.get(`/v1/audit-events?${q}`).set(bearer(auditor));
        expect([q, r.status, r.body.error?.code]).toEqual([q, 400, 'VALIDATION_FAILED']);
      }
    });
  });

  describe('export', () => {
    it('NDJSON: every matching row, flat and exact, in sequence order', async () => {
      const r = await t.http.get('/v1/audit-events/export?format=ndjson&actorId=key-1').set(bearer(auditor)).buffer(true).parse((res, cb) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString()));
        res.on('end', () => cb(null, s));
      });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/application\/x-ndjson/);
      expect(r.headers['content-disposition']).toMatch(/attachment; filename="audit-events-.*\.ndjson"/);
      const lines = (r.body as string).trimEnd().split('\n').map((l) => JSON.parse(l));
      const expected = oracle((e) => e.actor.id === 'key-1');
      expect(lines.map((l) => l.sequence)).toEqual(seqs(expected));
      const e = expected[0];
      expect(lines[0]).toEqual({
        sequence: e.sequence, id: e.id, occurredAt: e.occurredAt, type: e.type, action: e.action, outcome: e.outcome,
        actorType: e.actor.type, actorId: e.actor.id, actorName: e.actor.name, resourceType: e.resource.type, resourceId: e.resource.id,
        resourceName: e.resource.name, poolId: e.poolId, operationId: e.operationId, requestId: e.requestId, sourceIp: e.sourceIp,
        userAgent: e.userAgent, fromStatus: e.fromStatus, toStatus: e.toStatus, reason: e.reason, details: e.details, prevHash: e.prevHash, hash: e.hash,
      });
    });

    it('CSV: header, one record per row, RFC 4180 quoting and formula cells neutralised', async () => {
      const r = await t.http.get('/v1/audit-events/export?format=csv&order=desc').set(bearer(auditor)).buffer(true).parse((res, cb) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString()));
        res.on('end', () => cb(null, s));
      });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/text\/csv/);
      const text = r.body as string;
      expect(text.startsWith('sequence,id,occurredAt,type,action,outcome,actorType,actorId,actorName,')).toBe(true);
      expect(text).toContain(`"'=HYPERLINK(""http://evil"",x),y"`);
      expect(text).toContain('"line one\nline ""two"""');
      const records = text.split('\r\n').filter(Boolean);
      expect(records).toHaveLength(all.length + 1);
      expect(records[1].startsWith(`${all[all.length - 1].sequence},`)).toBe(true);
      const empty = await t.http.get('/v1/audit-events/export?format=csv&actorId=nobody').set(bearer(auditor)).buffer(true).parse((res, cb) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString()));
        res.on('end', () => cb(null, s));
      });
      expect(empty.body).toBe(`${records[0]}\r\n`);
    });

    it('bad format, bad filters and missing permission are refused before streaming', async () => {
      expect((await t.http.get('/v1/audit-events/export?format=xml').set(bearer(auditor))).body.error.code).toBe('VALIDATION_FAILED');
      const range = await t.http.get('/v1/audit-events/export?format=csv&from=2025-03-05T00:00:00Z&to=2025-03-01T00:00:00Z').set(bearer(auditor));
      expect([range.status, range.headers['content-type'], range.headers['content-disposition'], range.body.error?.code]).toEqual([400, expect.stringMatching(/^application\/json/), undefined, 'VALIDATION_FAILED']);
      expect((await t.http.get('/v1/audit-events/export').set(bearer(await t.key('operator')))).status).toBe(403);
    });
  });

  describe('summary', () => {
    const count = (rows: AuditEventView[], key: (e: AuditEventView) => string) => {
      const m = new Map<string, number>();
      for (const e of rows) m.set(key(e), (m.get(key(e)) ?? 0) + 1);
      return m;
    };
    const from = new Date(START + 24 * HOUR).toISOString();
    const to = new Date(START + 24 * 8 * HOUR).toISOString();
    const inRange = () => oracle((e) => e.occurredAt >= from && e.occurredAt < to);

    it.each([
      ['action', (e: AuditEventView) => e.action],
      ['actor', (e: AuditEventView) => e.actor.id],
      ['outcome', (e: AuditEventView) => e.outcome],
      ['day', (e: AuditEventView) => e.occurredAt.slice(0, 10)],
    ])('groupBy=%s counts match', async (groupBy, key) => {
      const r = await t.http.get(`/v1/audit-events/summary?groupBy=${groupBy}&from=${from}&to=${to}`).set(bearer(auditor));
      expect(r.status).toBe(200);
      const expected = count(inRange(), key as (e: AuditEventView) => string);
      expect(r.body).toMatchObject({ groupBy, from, to, total: inRange().length, truncated: false });
      expect(new Map(r.body.groups.map((g: { key: string; count: number }) => [g.key, g.count]))).toEqual(expected);
      if (groupBy === 'day') expect(r.body.groups.map((g: { key: string }) => g.key)).toEqual([...expected.keys()].sort());
      if (groupBy === 'actor') expect(r.body.groups.find((g: { key: string }) => g.key === 'key-2').name).toBe('actor 2');
    });

    it('takes the list filters, respects pool scope, and needs a groupBy', async () => {
      const r = await t.http.get(`/v1/audit-events/summary?groupBy=outcome&resourceId=srv-001`).set(bearer(auditor));
      expect(r.body.total).toBe(oracle((e) => e.resource.id === 'srv-001').length);
      const scoped = await t.key('auditor', [servers[1].poolId]);
      const s = await t.http.get('/v1/audit-events/summary?groupBy=action').set(bearer(scoped));
      expect(s.body.total).toBe(oracle((e) => e.poolId === servers[1].poolId).length);
      expect((await t.http.get('/v1/audit-events/summary').set(bearer(auditor))).status).toBe(400);
      expect((await t.http.get('/v1/audit-events/summary?groupBy=week').set(bearer(auditor))).status).toBe(400);
    });
  });

  describe('server history', () => {
    it('newest first, paginated, without forensic fields, for anyone who may read the server', async () => {
      const viewer = await t.key('viewer');
      const id = servers[2].id;
      const items = await pages(`/v1/servers/${id}/history`, viewer, 4);
      const expected = oracle((e) => e.resource.type === 'server' && e.resource.id === id).reverse();
      expect(seqs(items)).toEqual(seqs(expected));
      expect(items[0]).toEqual({
        sequence: expected[0].sequence, occurredAt: expected[0].occurredAt, type: expected[0].type, action: expected[0].action,
        outcome: expected[0].outcome, actor: expected[0].actor, fromStatus: expected[0].fromStatus, toStatus: expected[0].toStatus,
        reason: expected[0].reason, operationId: expected[0].operationId, requestId: expected[0].requestId,
      });
    });

    it('is pool-scoped like the server: 404 outside the caller\'s pools', async () => {
      const [a, b] = [servers[0], servers.find((s) => s.poolId !== servers[0].poolId)!];
      const scoped = await t.key('viewer', [a.poolId]);
      expect((await t.http.get(`/v1/servers/${a.id}/history`).set(bearer(scoped))).status).toBe(200);
      const hidden = await t.http.get(`/v1/servers/${b.id}/history`).set(bearer(scoped));
      expect([hidden.status, hidden.body.error.code]).toEqual([404, 'NOT_FOUND']);
      expect((await t.http.get('/v1/servers/srv-nope/history').set(bearer(scoped))).status).toBe(404);
    });

    it('shows real actions and their state transitions', async () => {
      const id = servers[3].id;
      await t.http.patch(`/v1/servers/${id}`).set(bearer(t.admin)).send({ name: 'history-check' }).expect(200);
      const r = await t.http.get(`/v1/servers/${id}/history?limit=1`).set(bearer(t.admin));
      expect(r.body.items[0]).toMatchObject({ action: 'server.rename', outcome: 'SUCCEEDED' });
    });
  });

  it('time order is chain order: a row after a future-dated one (a replica with a fast clock) is not dated earlier', async () => {
    const future = new Date('2099-01-01T00:00:00.000Z');
    await seedAuditChain(su, 1, () => ({ ...toSeed(all[all.length - 1]), occurredAt: future }));
    await t.http.patch(`/v1/servers/${servers[4].id}`).set(bearer(t.admin)).send({ name: 'after-the-future' }).expect(200);
    const [last] = (await t.http.get('/v1/audit-events?order=desc&limit=1').set(bearer(auditor))).body.items;
    expect(last.action).toBe('server.rename');
    expect(last.occurredAt).toBe(future.toISOString());
    const inFuture = await pages(`/v1/audit-events?from=${future.toISOString()}`);
    expect(inFuture).toHaveLength(2);
    expect((await t.http.get('/v1/audit-events/verify').set(bearer(auditor))).body.valid).toBe(true);
  });
});

const toSeed = (e: AuditEventView): SeedRow => ({
  occurredAt: new Date(e.occurredAt), type: e.type, action: e.action, outcome: e.outcome, actorType: e.actor.type, actorId: e.actor.id,
  actorName: e.actor.name, resourceType: e.resource.type, resourceId: e.resource.id, resourceName: e.resource.name, poolId: e.poolId,
  operationId: e.operationId, requestId: e.requestId, sourceIp: e.sourceIp, userAgent: e.userAgent, fromStatus: e.fromStatus,
  toStatus: e.toStatus, reason: e.reason, details: e.details,
});
