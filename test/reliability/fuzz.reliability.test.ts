import { bearer, startTestApp, TestApp } from '../support/app';
import { listRoutes } from '../support/routes';

const HOSTILE_BODIES: unknown[] = [
  { force: 'yes' },
  { name: 12345 },
  { name: 'x'.repeat(10_000) },
  { name: "'; DROP TABLE servers; --" },
  { name: '<script>alert(1)</script>' },
  { imageId: { $ne: null } },
  { serverIds: 'srv-001' },
  { serverIds: Array.from({ length: 1000 }, (_, i) => `srv-${i}`) },
  { action: 'destroy', serverIds: ['srv-001'] },
  { role: 'superadmin' },
  { status: 'RUNNING', version: 1, poolId: 'pool-gpu-b' },
  { constructor: { prototype: { isAdmin: true } } },
  { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: {} } } } } } } } } } },
  { confirmDataLoss: 'true', imageId: null },
  { enabled: 'maybe', standbyServerIds: [null, 1, {}] },
  { component: '', severity: 'APOCALYPTIC', description: null },
  { note: 42, notBefore: 'tomorrow' },
  { expiresAt: 'never', poolIds: 'all' },
  { state: 'MAYBE' },
  { reachable: 'no' },
  { unknownField: true },
];
const RAW_BODIES = ['{"__proto__": {"isAdmin": true}}', '{"a": {"__proto__": {"x": 1}}}', '{"unterminated": ', '[]', '[{"a":1}]', 'null', '"string"', '12', 'true', '\u0000\u0001', '{"a":1}{"b":2}'];
const HOSTILE_IDS = ["srv-001'--", '../../etc/passwd', '%00', 'srv-001\u0000', 'x'.repeat(2000), '${jndi:ldap://x}', 'srv-001;DROP'];
const HOSTILE_QUERIES = ['limit=-1', 'limit=1e9', 'limit=abc', 'cursor=!!!', 'status[]=RUNNING', 'from=yesterday', 'q[$ne]=1', 'order=sideways', 'format=exe', 'groupBy=nothing'];

/** Malformed and hostile input on every REST route: only 4xx, no state change, process healthy. */
describe('reliability: fuzz every REST route', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const fingerprint = async () => {
    const [servers, ops, keys, images, pools] = await Promise.all([
      t.prisma.server.findMany({ select: { id: true, version: true, status: true, name: true }, orderBy: { id: 'asc' } }),
      t.prisma.operation.count(),
      t.prisma.apiKey.count(),
      t.prisma.image.findMany({ select: { id: true, version: true }, orderBy: { id: 'asc' } }),
      t.prisma.pool.findMany({ select: { id: true, version: true }, orderBy: { id: 'asc' } }),
    ]);
    return JSON.stringify({ servers, ops, keys, images, pools });
  };

  it('never answers 5xx and never changes state', async () => {
    const routes = listRoutes(t.app).filter((r) => !r.isPublic);
    expect(routes.length).toBeGreaterThan(10);
    const before = await fingerprint();
    const failures: string[] = [];
    let sent = 0;
    const check = (what: string, status: number, body: { error?: { code?: string } }) => {
      sent++;
      if (status < 300 && !what.startsWith('get') && !what.includes('/inspect')) failures.push(`accepted: ${what} → ${status}`);
      if (status >= 500) failures.push(`${what} → ${status} ${JSON.stringify(body)}`);
      else if (status >= 400 && !/^[A-Z_]+$/.test(body?.error?.code ?? '')) failures.push(`${what} → ${status} without the error body`);
    };
    for (const r of routes) {
      const path = (id: string) => r.path.replace(/\{[^}]+\}/g, encodeURIComponent(id));
      const send = (url: string) => {
        const req = (t.http as unknown as Record<string, (u: string) => import('supertest').Test>)[r.method](url).set(bearer(t.admin));
        return req;
      };
      if (r.method === 'get' || r.method === 'delete') {
        for (const q of HOSTILE_QUERIES) {
          if (r.method === 'delete') break;
          const res = await send(`${path('srv-001')}?${q}`);
          check(`${r.method} ${r.path}?${q}`, res.status, res.body);
        }
        for (const id of HOSTILE_IDS) {
          const res = await send(path(id));
          check(`${r.method} ${r.path} id=${id.slice(0, 20)}`, res.status, res.body);
        }
        continue;
      }
      for (const body of HOSTILE_BODIES) {
        const res = await send(path('srv-001')).send(body as object);
        check(`${r.method} ${r.path} ${JSON.stringify(body).slice(0, 60)}`, res.status, res.body);
      }
      for (const raw of RAW_BODIES) {
        const res = await send(path('srv-001')).set('Content-Type', 'application/json').send(raw);
        check(`${r.method} ${r.path} raw ${JSON.stringify(raw)}`, res.status, res.body);
      }
      for (const id of HOSTILE_IDS) {
        const res = await send(path(id)).send({});
        check(`${r.method} ${r.path} id=${id.slice(0, 20)}`, res.status, res.body);
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(200);
    expect(await fingerprint()).toBe(before);
    await t.http.get('/healthz').expect(200);
    await t.http.get('/readyz').expect(200);
  });
});
