import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { dereference, validate } from '@readme/openapi-parser';
import Ajv2020 from 'ajv/dist/2020';
import type { Response } from 'supertest';
import { bearer, settled, startTestApp, TestApp } from './support/app';
import { listRoutes } from './support/routes';

const SPEC_PATH = path.join(__dirname, '..', 'openapi.yaml');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** openapi.yaml and the running app must describe the same routes. */
describe('openapi.yaml', () => {
  let t: TestApp;
  const spec = yaml.load(fs.readFileSync(SPEC_PATH, 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(spec.openapi).toMatch(/^3\.1\./);
    const result = await validate(JSON.parse(JSON.stringify(spec)));
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('documents every route the app serves, and nothing it does not', () => {
    const served = listRoutes(t.app)
      .filter((r) => !r.path.startsWith('/graphql') && !r.path.startsWith('/docs'))
      .map((r) => `${r.method.toUpperCase()} ${r.path}`)
      .sort();
    const documented = Object.entries(spec.paths)
      .flatMap(([p, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(served);
  });
});

type Schema = Record<string, any>;

/**
 * Strict reading of the documented schemas for the drift check: an object that
 * lists its properties has no others (an undocumented field fails), and every
 * listed one is present unless a `required` list names the mandatory ones (a
 * field removed from the code fails), unless the file says otherwise explicitly.
 */
function strict(schema: Schema, seen = new WeakSet<object>()): Schema {
  if (!schema || typeof schema !== 'object' || seen.has(schema)) return schema;
  seen.add(schema);
  if (schema.properties && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
    // An explicit `required` list says which fields are optional; without one, all are expected.
    schema.required ??= Object.keys(schema.properties);
  }
  for (const v of Object.values(schema)) {
    if (Array.isArray(v)) v.forEach((x) => strict(x, seen));
    else if (v && typeof v === 'object') strict(v, seen);
  }
  return schema;
}

/** Response bodies of representative calls must match the documented schema of their status. */
describe('openapi.yaml response schemas', () => {
  let t: TestApp;
  let auditor: string;
  let doc: { paths: Record<string, Record<string, Schema>> };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const templates: { method: string; template: string; re: RegExp }[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
    const raw = yaml.load(fs.readFileSync(SPEC_PATH, 'utf8')) as object;
    doc = (await dereference(JSON.parse(JSON.stringify(raw)))) as unknown as typeof doc;
    strict(doc as unknown as Schema);
    for (const [p, item] of Object.entries(doc.paths)) {
      const re = new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      for (const m of Object.keys(item).filter((k) => METHODS.includes(k))) templates.push({ method: m, template: p, re });
    }
  });
  afterAll(() => t.close());

  /** Checks one response against the file: its status is documented, and its JSON body fits. */
  const conforms = (method: string, url: string, r: Response) => {
    const pathOnly = url.split('?')[0];
    const match = templates.filter((x) => x.method === method && x.re.test(pathOnly))
      // The most literal template wins (/v1/servers/actions over /v1/servers/{id}).
      .sort((a, b) => a.template.split('{').length - b.template.split('{').length)[0];
    expect({ route: `${method.toUpperCase()} ${pathOnly}`, documented: Boolean(match) }).toEqual({ route: `${method.toUpperCase()} ${pathOnly}`, documented: true });
    const response = doc.paths[match.template][method].responses?.[String(r.status)];
    expect({ route: `${method.toUpperCase()} ${match.template}`, status: r.status, documented: Boolean(response) }).toEqual({ route: `${method.toUpperCase()} ${match.template}`, status: r.status, documented: true });
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return;
    const check = ajv.compile(schema);
    const ok = check(r.body);
    expect({ route: `${method.toUpperCase()} ${match.template} ${r.status}`, errors: ok ? [] : check.errors }).toEqual({ route: `${method.toUpperCase()} ${match.template} ${r.status}`, errors: [] });
  };
  const call = async (method: 'get' | 'post' | 'patch', url: string, opts: { key?: string | null; body?: object; headers?: Record<string, string> } = {}) => {
    let req = t.http[method](url);
    if (opts.key !== null) req = req.set(bearer(opts.key ?? t.admin));
    for (const [k, v] of Object.entries(opts.headers ?? {})) req = req.set(k, v);
    const r = opts.body !== undefined ? await req.send(opts.body) : await req;
    conforms(method, url, r);
    return r;
  };

  it('health routes', async () => {
    expect((await call('get', '/healthz', { key: null })).status).toBe(200);
    expect((await call('get', '/readyz', { key: null })).status).toBe(200);
  });

  it('servers, including errors', async () => {
    expect((await call('get', '/v1/servers?limit=3')).status).toBe(200);
    const one = await call('get', '/v1/servers/srv-003');
    expect(one.status).toBe(200);
    expect((await call('get', '/v1/servers/srv-404')).status).toBe(404);
    expect((await call('get', '/v1/servers', { key: null })).status).toBe(401);
    expect((await call('get', '/v1/servers?limit=0')).status).toBe(400);
    expect((await call('patch', '/v1/servers/srv-003', { body: { name: 'schema-check' }, headers: { 'If-Match': one.headers.etag } })).status).toBe(200);
    expect((await call('patch', '/v1/servers/srv-003', { body: { name: 'again' }, headers: { 'If-Match': one.headers.etag } })).status).toBe(412);
    expect((await call('patch', '/v1/servers/srv-003', { body: { name: '' } })).status).toBe(400);
  });

  it('actions, batch actions and operations', async () => {
    const stop = await call('post', '/v1/servers/srv-001/stop', { body: {} });
    expect(stop.status).toBe(202);
    expect((await call('post', '/v1/servers/srv-003/stop', { body: {} })).status).toBe(409);
    await settled(t, stop.body.id);
    const batch = await call('post', '/v1/servers/actions', { body: { action: 'start', serverIds: ['srv-001', 'srv-404'] } });
    expect(batch.body.results.map((x: { status: number }) => x.status)).toEqual([202, 404]);
    await settled(t, batch.body.results[0].operation.id);
    expect((await call('get', `/v1/operations/${stop.body.id}`)).status).toBe(200);
    expect((await call('get', '/v1/operations?limit=5')).status).toBe(200);
  });

  it('pools, images and the audit trail', async () => {
    const pools = await call('get', '/v1/pools');
    expect(pools.status).toBe(200);
    expect((await call('get', `/v1/pools/${pools.body.items[0].id}`)).status).toBe(200);
    const images = await call('get', '/v1/images');
    expect(images.status).toBe(200);
    expect((await call('get', `/v1/images/${images.body.items[0].id}`)).status).toBe(200);
    expect((await call('get', '/v1/audit-events?limit=5', { key: auditor })).status).toBe(200);
  });
});

describe('interactive docs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('serves Swagger UI at /docs and the document itself, without credentials', async () => {
    const html = await t.http.get('/docs').redirects(1).expect(200);
    expect(html.text).toContain('swagger-ui');
    const json = await t.http.get('/docs/openapi.json').expect(200);
    const spec = yaml.load(fs.readFileSync(SPEC_PATH, 'utf8')) as { paths: object };
    expect(Object.keys(json.body.paths)).toEqual(Object.keys(spec.paths));
  });
});
