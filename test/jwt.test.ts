import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, JWK, JWTPayload, KeyLike, SignJWT } from 'jose';
import { JwtVerifier } from '../src/auth/jwt.verifier';
import { DomainError } from '../src/common/errors';
import { ConfigError, loadConfig } from '../src/config/config';
import { ADMIN_KEY, bearer, startTestApp, TestApp } from './support/app';

const ISSUER = 'https://idp.example.test/realms/portal';
const AUDIENCE = 'lite-server';
const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';
const now = () => Math.floor(Date.now() / 1000);

/** A tiny identity provider: serves whatever keys the test puts in its JWKS, on 127.0.0.1. */
class Jwks {
  keys: JWK[] = [];
  fetches = 0;
  private server = http.createServer((req, res) => {
    this.fetches++;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: this.keys }));
  });
  url = '';
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }
  stop() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
}
async function rsaKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const claims = (over: JWTPayload = {}): JWTPayload => ({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', name: 'Ada', role: 'viewer', iat: now(), exp: now() + 600, ...over });
const signRs = (key: SigningKey, payload: JWTPayload, kid = key.kid) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(key.privateKey);
const signHs = (payload: JWTPayload, secret = SECRET) => new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('JWT bearer tokens', () => {
  const idp = new Jwks();
  let t: TestApp;
  let keyA: SigningKey;
  let keyB: SigningKey;
  let auditor: string;
  const env = () => ({
    JWT_SECRET: SECRET,
    JWT_JWKS_URL: idp.url,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: `${AUDIENCE},other-audience`,
    JWT_ALGORITHMS: 'HS256,RS256',
    JWT_JWKS_COOLDOWN_MS: '0', // let the test rotate keys without waiting
    JWT_CLOCK_TOLERANCE_SEC: '5',
  });

  beforeAll(async () => {
    await idp.start();
    [keyA, keyB] = await Promise.all([rsaKey('key-a'), rsaKey('key-b')]);
    idp.keys = [keyA.jwk];
    t = await startTestApp(env());
    auditor = await t.key('auditor');
  });
  afterAll(async () => {
    await t.close();
    await idp.stop();
  });

  const get = (token: string, url = '/v1/servers') => t.http.get(url).set(bearer(token));

  it('accepts a valid RS256 token from the JWKS and a valid HS256 token', async () => {
    const r = await get(await signRs(keyA, claims()));
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBe(8);
    await get(await signHs(claims())).expect(200);
  });

  it('acts as a USER principal in the audit trail', async () => {
    const token = await signRs(keyA, claims({ sub: 'op-7', name: 'Grace', role: 'operator' }));
    const r = await t.http.post('/v1/servers/srv-001/stop').set(bearer(token)).send({}).expect(202);
    const rows = (await t.http.get(`/v1/audit-events?requestId=${r.headers['x-request-id']}`).set(bearer(auditor))).body.items;
    expect(rows[0]).toMatchObject({ action: 'server.stop', outcome: 'ACCEPTED', actor: { type: 'USER', id: 'op-7', name: 'Grace' } });
  });

  it('limits a token to the pools of its pools claim: other pools do not exist for it', async () => {
    const token = await signRs(keyA, claims({ pools: ['pool-ascend-a'] }));
    const list = await get(token).expect(200);
    expect(list.body.items.map((s: { poolId: string }) => s.poolId)).toEqual(Array(4).fill('pool-ascend-a'));
    await get(token, '/v1/servers/srv-001').expect(200);
    await get(token, '/v1/servers/srv-002').expect(404);
    // An empty list is no pool at all, never "every pool".
    const none = await signRs(keyA, claims({ pools: [] }));
    expect((await get(none).expect(200)).body.items).toEqual([]);
  });

  it.each<[string, () => Promise<string>]>([
    ['wrong issuer', () => signRs(keyA, claims({ iss: 'https://evil.example' }))],
    ['wrong audience', () => signRs(keyA, claims({ aud: 'some-other-api' }))],
    ['expired', () => signRs(keyA, claims({ iat: now() - 3600, exp: now() - 60 }))],
    ['not yet valid (nbf in the future)', () => signRs(keyA, claims({ nbf: now() + 600 }))],
    ['without exp', () => signRs(keyA, claims({ exp: undefined }))],
    ['without sub', () => signRs(keyA, claims({ sub: undefined }))],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims({ role: 'admin' }))}.`],
    ['HS256 with the wrong secret', () => signHs(claims(), 'another-secret-that-is-32-bytes-long!!')],
    // The classic confusion attack: the RSA public key used as an HMAC secret.
    ['HS256 signed with the RSA public key', async () => signHs(claims({ role: 'admin' }), await exportSPKI(keyA.publicKey))],
    ['tampered payload', async () => {
      const [h, , s] = (await signRs(keyA, claims())).split('.');
      return `${h}.${b64(claims({ role: 'admin' }))}.${s}`;
    }],
    ['unknown kid', () => signRs(keyA, claims(), 'no-such-kid')],
    ['signed by a key the JWKS does not hold', () => signRs(keyB, claims(), 'key-a')],
    ['garbage', async () => 'not.a.jwt'],
    ['malformed pools claim', () => signRs(keyA, claims({ pools: [1, 2] }))],
  ])('refuses a token %s with 401, audited as DENIED', async (_name, make) => {
    const r = await get(await make());
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String) });
    const rows = (await t.http.get(`/v1/audit-events?requestId=${r.headers['x-request-id']}`).set(bearer(auditor))).body.items;
    expect(rows).toEqual([expect.objectContaining({ type: 'AUTH', outcome: 'DENIED', action: 'GET /v1/servers', actor: expect.objectContaining({ type: 'ANONYMOUS' }) })]);
    expect(rows[0].reason).toMatch(/^UNAUTHENTICATED: /);
  });

  it('refetches the JWKS for an unknown kid, then still refuses it', async () => {
    const before = idp.fetches;
    await get(await signRs(keyA, claims(), 'kid-nobody-has')).expect(401);
    expect(idp.fetches).toBeGreaterThan(before);
  });

  it('follows a key rotation: the new kid is fetched, the retired key stops working', async () => {
    const old = await signRs(keyA, claims());
    await get(old).expect(200);
    idp.keys = [keyB.jwk]; // the IdP rotates: key-a retired, key-b published
    await get(await signRs(keyB, claims())).expect(200);
    await get(old).expect(401);
    idp.keys = [keyA.jwk, keyB.jwk];
    await get(old).expect(200);
  });

  it('a genuine token with no known role is a 403 (authenticated, granted nothing), audited with its subject', async () => {
    for (const role of ['superuser', undefined, ['viewer', 'admin']]) {
      const r = await get(await signRs(keyA, claims({ sub: 'stranger', role })));
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('FORBIDDEN');
      const rows = (await t.http.get(`/v1/audit-events?requestId=${r.headers['x-request-id']}`).set(bearer(auditor))).body.items;
      expect(rows).toEqual([expect.objectContaining({ outcome: 'DENIED', actor: expect.objectContaining({ type: 'USER', id: 'stranger' }) })]);
    }
  });

  it('a known role without the permission is a 403', async () => {
    const r = await t.http.post('/v1/servers/srv-003/start').set(bearer(await signHs(claims()))).send({});
    expect(r.status).toBe(403);
  });

  it('an admin token limited to no pool cannot mint an unrestricted API key', async () => {
    const token = await signRs(keyA, claims({ role: 'admin', pools: [] }));
    const r = await t.http.post('/v1/api-keys').set(bearer(token)).send({ name: 'escalate', role: 'admin' });
    expect(r.status).toBe(400);
    expect(r.body.error.details.fields[0].field).toBe('poolIds');
    const scoped = await signRs(keyA, claims({ role: 'admin', pools: ['pool-gpu-b'] }));
    const ok = await t.http.post('/v1/api-keys').set(bearer(scoped)).send({ name: 'by-portal-admin', role: 'viewer' }).expect(201);
    expect(ok.body).toMatchObject({ poolIds: ['pool-gpu-b'], createdBy: 'user-1' });
  });

  it('API keys still work alongside JWTs', async () => {
    await get(ADMIN_KEY).expect(200);
    await get('lsk_not-a-real-key-at-all-000000').expect(401);
  });
});

/** Verifier configurations that need no running app. */
describe('JwtVerifier configuration', () => {
  const base = { JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };
  const verifier = (env: Record<string, string>) => new JwtVerifier(loadConfig({ ...base, ...env }));

  it('refuses an HS256 token, even one correctly signed with the configured secret, when only RS256 is allowed', async () => {
    const v = verifier({ JWT_SECRET: SECRET, JWT_JWKS_URL: 'http://127.0.0.1:9/jwks', JWT_ALGORITHMS: 'RS256' });
    const out = await v.verify(await signHs(claims()));
    expect(out).toMatchObject({ refused: 'UNAUTHENTICATED', reason: expect.stringContaining('ERR_JOSE_ALG_NOT_ALLOWED') });
  });

  it('reads role and pools from configured, nested claims; a role list must name exactly one known role', async () => {
    const v = verifier({ JWT_SECRET: SECRET, JWT_ROLE_CLAIM: 'realm_access.roles', JWT_POOLS_CLAIM: 'https://lite.example/pools' });
    const ok = await v.verify(await signHs(claims({ role: undefined, realm_access: { roles: ['offline_access', 'operator'] }, 'https://lite.example/pools': 'pool-gpu-b' })));
    expect(ok).toEqual({ principal: { type: 'USER', id: 'user-1', name: 'Ada', role: 'operator', poolIds: ['pool-gpu-b'] } });
  });

  it('an unreachable JWKS is a 503 (our outage), not a 401', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const v = verifier({ JWT_JWKS_URL: 'http://127.0.0.1:9/jwks.json', JWT_JWKS_TIMEOUT_MS: '500' });
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k' }).sign(privateKey);
    await expect(v.verify(token)).rejects.toEqual(expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }));
    await expect(v.verify(token)).rejects.toBeInstanceOf(DomainError);
  });

  it.each([
    [{ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'none' }, /must not contain "none"/],
    [{ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'HS256,RS256' }, /RS256 but JWT_JWKS_URL/],
    [{ JWT_JWKS_URL: 'http://127.0.0.1/jwks', JWT_ALGORITHMS: 'HS256' }, /HS256 but JWT_SECRET/],
    [{ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'HS1' }, /unknown algorithm/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 bytes/],
    [{ JWT_JWKS_URL: 'not a url' }, /JWT_JWKS_URL must be a URL/],
    [{ JWT_JWKS_URL: 'ftp://idp/jwks' }, /http\(s\)/],
    [{ JWT_JWKS_URL: 'http://idp.example/jwks', NODE_ENV: 'production' }, /https in production/],
    [{ JWT_SECRET: SECRET, JWT_ISSUER: '' }, /JWT_ISSUER is required/],
    [{ JWT_SECRET: SECRET, JWT_AUDIENCE: '' }, /JWT_AUDIENCE is required/],
  ] as [Record<string, string>, RegExp][])('refuses configuration %j', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });

  it('is off without a secret or JWKS URL, and then JWT settings are a mistake', () => {
    expect(loadConfig({}).jwt).toBeNull();
    expect(() => loadConfig({ JWT_ISSUER: ISSUER })).toThrow(/neither JWT_SECRET nor JWT_JWKS_URL/);
  });
});
