import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getNamedType,
  GraphQLArgument,
  GraphQLField,
  GraphQLInputType,
  GraphQLObjectType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
} from 'graphql';
import { bearer, startTestApp, TestApp } from '../support/app';

const HUGE = 'x'.repeat(200_000);
const HOSTILE_STRINGS = ["'; DROP TABLE servers; --", '" OR 1=1 --', '<script>alert(1)</script>', '${jndi:ldap://x}', '../../etc/passwd', '\u0000\u202e', '{"$ne":null}', 'x'.repeat(5_000)];
const HOSTILE_IDS = ["srv-001'--", '../../etc/passwd', '%00', 'x'.repeat(2000), '${jndi:ldap://x}', 'srv-001;DROP', '', ' ', '\\', 'srv-001\u0000'];
const HOSTILE_INTS = [-1, 0, 2_147_483_647, -2_147_483_648];
// JSON values of every wrong shape, sent as variables.
const WRONG_JSON: unknown[] = [null, 'abc', 1.5, 1e12, true, [], [1, [2, [3]]], {}, { $ne: null }, { __proto__: { isAdmin: true } }, HUGE];

/** A GraphQL literal for a JSON value (objects as input objects, strings quoted). */
const literal = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? `[${v.map(literal).join(', ')}]` : typeof v === 'object' ? `{${Object.entries(v as object).map(([k, x]) => `${k}: ${literal(x)}`).join(', ')}}` : JSON.stringify(v);

/** Well-typed values that are still hostile (for the input fields of `type`). */
function hostileValues(type: GraphQLInputType): unknown[] {
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t)) return [[], ...hostileValues(t.ofType).slice(0, 3).map((v) => [v, v])];
  if (isEnumType(t)) return [t.getValues()[0].value];
  if (isInputObjectType(t)) {
    const fields = Object.values(t.getFields());
    return [{}, ...HOSTILE_STRINGS.slice(0, 3).map((s) => Object.fromEntries(fields.filter((f) => getNamedType(f.type).name === 'String' || getNamedType(f.type).name === 'ID').map((f) => [f.name, s])))];
  }
  switch (t.name) {
    case 'ID':
      return HOSTILE_IDS;
    case 'String':
      return HOSTILE_STRINGS;
    case 'Int':
      return HOSTILE_INTS;
    case 'Boolean':
      return [true, false];
    case 'DateTime':
      return ['tomorrow', '9999-99-99T99:99:99Z', '1970-01-01T00:00:00Z'];
    default:
      return ['?'];
  }
}

/** A valid hostile value for each argument: every id points nowhere, so no mutation can apply. */
const baseline = (a: GraphQLArgument) => {
  const named = getNamedType(a.type);
  if (named.name === 'ID') return isListType(isNonNullType(a.type) ? a.type.ofType : a.type) ? ['srv-404'] : 'srv-404';
  return hostileValues(a.type)[0];
};

/** `{ __typename }` selects nothing real but is valid on every object return type. */
const selection = (f: GraphQLField<unknown, unknown>) => (isLeafType(getNamedType(f.type)) ? '' : ' { __typename }');

interface GqlBody {
  data?: unknown;
  errors?: { message?: string; extensions?: { code?: string } }[];
  error?: { code?: string };
}

/** Malformed and hostile GraphQL on every query and mutation: only 4xx or refused fields, no state change, healthy. */
describe('reliability: fuzz every GraphQL operation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const fingerprint = async () => {
    const p = t.prisma;
    const [servers, ops, keys, images, pools, faults, events] = await Promise.all([
      p.server.findMany({ select: { id: true, version: true, status: true, name: true }, orderBy: { id: 'asc' } }),
      p.operation.count(),
      p.apiKey.count(),
      p.image.findMany({ select: { id: true, version: true }, orderBy: { id: 'asc' } }),
      p.pool.findMany({ select: { id: true, version: true }, orderBy: { id: 'asc' } }),
      p.fault.count(),
      p.maintenanceEvent.count(),
    ]);
    return JSON.stringify({ servers, ops, keys, images, pools, faults, events });
  };

  const failures: string[] = [];
  const seen = { sent: 0, refused: 0, codes: new Map<string, number>() };
  /** Sends one request and checks the answer: no 5xx, every error coded, never INTERNAL. */
  const send = async (what: string, body: unknown, opts: { raw?: boolean; contentType?: string; key?: string | null } = {}) => {
    const req = t.http.post('/graphql').set('Content-Type', opts.contentType ?? 'application/json');
    if (opts.key !== null) req.set(bearer(opts.key ?? t.admin));
    const r = await req.send(opts.raw ? (body as string) : JSON.stringify(body));
    seen.sent++;
    const b = (r.body ?? {}) as GqlBody;
    const label = `${what.slice(0, 140)} → ${r.status}`;
    if (r.status >= 500) failures.push(`${label} ${r.text.slice(0, 200)}`);
    // Refused before GraphQL (body parser): the REST error body.
    const errorCodes = b.errors ? b.errors.map((e) => e.extensions?.code) : b.error ? [b.error.code] : [];
    if (r.status >= 400 && errorCodes.length === 0) failures.push(`${label} without an error code: ${r.text.slice(0, 200)}`);
    for (const c of errorCodes) {
      if (typeof c !== 'string' || !/^[A-Z][A-Z_]*$/.test(c) || c === 'INTERNAL') failures.push(`${label} code ${c}: ${JSON.stringify(b).slice(0, 200)}`);
      else seen.codes.set(c, (seen.codes.get(c) ?? 0) + 1);
    }
    if (errorCodes.length) seen.refused++;
    return { status: r.status, body: b };
  };

  it('never answers 5xx or INTERNAL, never changes state, stays healthy', async () => {
    const schema = t.app.get(GraphQLSchemaHost).schema;
    const roots: [string, GraphQLObjectType][] = [
      ['query', schema.getQueryType()!],
      ['mutation', schema.getMutationType()!],
    ];
    const before = await fingerprint();
    let fields = 0;

    for (const [kind, root] of roots) {
      for (const f of Object.values(root.getFields())) {
        fields++;
        const sel = selection(f);
        const call = (args: Record<string, string>) => {
          const list = Object.entries(args).map(([k, v]) => `${k}: ${v}`).join(', ');
          return `${kind} { ${f.name}${list ? `(${list})` : ''}${sel} }`;
        };
        const base = Object.fromEntries(f.args.map((a) => [a.name, literal(baseline(a))]));
        const required = f.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);

        // Baseline: well typed, every id points nowhere (queries may answer; mutations must refuse).
        const ok = await send(`${f.name} baseline`, { query: call(base) });
        if (kind === 'mutation' && !ok.body.errors?.length) failures.push(`${f.name} baseline was applied`);
        // Missing required arguments; an unknown argument; an unknown field in the selection.
        if (required.length) await send(`${f.name} missing args`, { query: call({}) });
        await send(`${f.name} unknown arg`, { query: call({ ...base, evil: '"1"' }) });
        if (sel) await send(`${f.name} unknown field`, { query: `${kind} { ${f.name}${f.args.length ? `(${Object.entries(base).map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''} { __typename nope { id } } }` });

        for (const a of f.args) {
          const named = getNamedType(a.type);
          // Hostile but well-typed values, as literals.
          for (const v of hostileValues(a.type)) await send(`${f.name}(${a.name}=${literal(v).slice(0, 40)})`, { query: call({ ...base, [a.name]: literal(v) }) });
          // Wrong literal types.
          const wrongLiterals = ['{a: 1}', '[[["deep"]]]', 'NOT_AN_ENUM', '"string"', '12.5', 'null', '$undeclared'];
          for (const w of wrongLiterals) await send(`${f.name}(${a.name}=${w})`, { query: call({ ...base, [a.name]: w }) });
          // Every wrong JSON shape through a variable declared with the argument's own type.
          const declared = `${kind} ($v: ${a.type.toString()}) { ${f.name}(${Object.entries({ ...base, [a.name]: '$v' }).map(([k, v]) => `${k}: ${v}`).join(', ')})${sel} }`;
          for (const v of WRONG_JSON) await send(`${f.name}($${a.name}=${JSON.stringify(v)?.slice(0, 40)})`, { query: declared, variables: { v } });
          if (isInputObjectType(named)) await send(`${f.name}(${a.name} unknown input field)`, { query: declared, variables: { v: { evil: 1, status: "'; DROP" } } });
          if (isScalarType(named) && named.name === 'String') await send(`${f.name}(${a.name} huge)`, { query: declared, variables: { v: HUGE } });
        }
      }
    }

    // Whole documents that are garbage, too deep, too wide, batched or not GraphQL at all.
    const deepServer = (n: number) => `{ server(id: "srv-001") { ${'pool { servers(first: 1) { '.repeat(n)}id${' } }'.repeat(n)} } }`;
    const documents: [string, unknown][] = [
      ['empty query', { query: '' }],
      ['no query', {}],
      ['query not a string', { query: 123 }],
      ['query an object', { query: { $ne: null } }],
      ['variables a string', { query: '{ pools { id } }', variables: 'abc' }],
      ['variables an array', { query: '{ pools { id } }', variables: [1, 2] }],
      ['unknown operationName', { query: '{ pools { id } }', operationName: 'Nope' }],
      ['two operations, no name', { query: 'query A { pools { id } } query B { pools { id } }' }],
      ['unterminated', { query: '{ servers { edges { node { id ' }],
      ['garbage', { query: '}}}{{{!!@@##' }],
      ['binary', { query: '\u0000\u0001\u0002\uffff' }],
      ['unknown root field', { query: '{ nope }' }],
      ['unknown type in fragment', { query: '{ pools { ...F } } fragment F on Nope { id }' }],
      ['fragment cycle', { query: '{ server(id: "srv-001") { ...A } } fragment A on Server { pool { servers { ...B } } } fragment B on Server { pool { servers { ...A } } }' }],
      ['subscription over HTTP', { query: 'subscription { operationUpdated { operation { id } } }' }],
      ['too deep', { query: deepServer(6) }],
      ['far too deep', { query: deepServer(200) }],
      ['deep parse nesting', { query: `{ ${'a { '.repeat(3000)}b${' }'.repeat(3000)} }` }],
      ['deep list literal', { query: `{ servers(first: ${'['.repeat(3000)}1${']'.repeat(3000)}) { __typename } }` }],
      ['deep variables', { query: 'query($f: ServerFilterInput) { servers(filter: $f) { __typename } }', variables: { f: JSON.parse(`${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`) } }],
      ['wide aliases', { query: `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: servers(first: 100) { edges { node { id pool { servers(first: 100) { id } } } } }`).join(' ')} }` }],
      ['many directives', { query: `{ pools${' @include(if: true)'.repeat(2000)} { id } }` }],
      ['introspection deep', { query: `{ __schema { types { ${'fields { type { '.repeat(30)}name${' } }'.repeat(30)} } } }` }],
      ['huge query string', { query: `{ pools { id } } # ${HUGE}` }],
      ['batched array', [{ query: '{ pools { id } }' }, { query: 'mutation { stopServer(id: "srv-001") { id } }' }]],
      ['many batched', Array.from({ length: 200 }, () => ({ query: '{ pools { id } }' }))],
      ['null body', null],
    ];
    for (const [what, body] of documents) await send(what, body);
    // Bodies that are not JSON, too big, or of the wrong content type.
    await send('malformed json', '{"query": "{ pools { id } }"', { raw: true });
    await send('two json objects', '{"query":"{ pools { id } }"}{"a":1}', { raw: true });
    await send('huge body', JSON.stringify({ query: `{ pools { id } }`, variables: { pad: 'x'.repeat(5_000_000) } }), { raw: true });
    await send('text/plain (CSRF)', JSON.stringify({ query: '{ pools { id } }' }), { raw: true, contentType: 'text/plain' });
    await send('form encoded', 'query=%7B%20pools%20%7B%20id%20%7D%20%7D', { raw: true, contentType: 'application/x-www-form-urlencoded' });
    // The same hostile mutation without credentials and with a bad token.
    await send('no credentials', { query: 'mutation { stopServer(id: "srv-001") { id } }' }, { key: null });
    await send('bad token', { query: 'mutation { stopServer(id: "srv-001") { id } }' }, { key: "lsk_' OR 1=1 --" });
    // GET: queries may be served, mutations never.
    for (const q of ['mutation { stopServer(id: "srv-001") { id } }', '}}}', '{ pools { id } }']) {
      const r = await t.http.get(`/graphql?query=${encodeURIComponent(q)}`).set(bearer(t.admin)).set('apollo-require-preflight', 'true');
      seen.sent++;
      if (r.status >= 500) failures.push(`GET ${q} → ${r.status}`);
    }

    process.stdout.write(`graphql fuzz: ${fields} root fields, ${seen.sent} requests, ${seen.refused} refused; codes ${JSON.stringify(Object.fromEntries(seen.codes))}\n`);
    expect(failures).toEqual([]);
    expect(fields).toBeGreaterThan(20);
    expect(seen.sent).toBeGreaterThan(1000);
    expect(await fingerprint()).toBe(before);
    await t.http.get('/healthz').expect(200);
    await t.http.get('/readyz').expect(200);
    // Still serves real work.
    const r = await t.http.post('/graphql').set(bearer(t.admin)).send({ query: '{ server(id: "srv-001") { id status } }' }).expect(200);
    expect(r.body.data.server.id).toBe('srv-001');
  });
});
