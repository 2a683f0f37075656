import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { AuditCheckpointer } from '../src/audit/audit.checkpointer';
import { auditHash, GENESIS_HASH } from '../src/audit/audit.hash';
import { toAuditEvent } from '../src/audit/audit.query';
import { AuditWriter } from '../src/audit/audit.writer';
import { bearer, startTestApp, TestApp } from './support/app';

// A fixed Ed25519 seed (base64), as AUDIT_SIGNING_KEY accepts it.
const SIGNING_KEY = Buffer.alloc(32, 7).toString('base64');

describe('audit integrity', () => {
  let t: TestApp;
  let auditor: string;
  let su: Client;

  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SIGNING_KEY: SIGNING_KEY, AUDIT_CHECKPOINT_INTERVAL_MS: '3600000' });
    auditor = await t.key('auditor');
    // The test database's owner is a superuser: exactly the attacker the chain must survive.
    su = new Client({ connectionString: t.databaseUrl });
    await su.connect();
  });
  afterAll(async () => {
    await su.end();
    await t.close();
  });

  const verify = async (q = '') => {
    const r = await t.http.get(`/v1/audit-events/verify${q}`).set(bearer(auditor));
    expect(r.status).toBe(200);
    return r.body;
  };
  /** Runs SQL with the append-only triggers off, as a superuser could. */
  const tamper = async (sql: string, values: unknown[] = []) => {
    await su.query('BEGIN');
    await su.query('SET LOCAL session_replication_role = replica');
    await su.query(sql, values);
    await su.query('COMMIT');
  };
  const snapshot = () => su.query('DROP TABLE IF EXISTS audit_backup; CREATE TABLE audit_backup AS SELECT * FROM audit_events');
  const restore = () => tamper('DELETE FROM audit_events; INSERT INTO audit_events SELECT * FROM audit_backup');
  /** Edits rows, then recomputes every hash: a chain that is internally perfect again. */
  const rewriteChain = async (edit: (rows: ReturnType<typeof toAuditEvent>[]) => void) => {
    const rows = (await su.query('SELECT * FROM audit_events ORDER BY sequence')).rows.map(toAuditEvent);
    edit(rows);
    let prev = GENESIS_HASH;
    for (const r of rows) {
      r.prevHash = prev;
      r.hash = auditHash(r);
      prev = r.hash;
    }
    await su.query('BEGIN');
    await su.query('SET LOCAL session_replication_role = replica');
    for (const r of rows) {
      await su.query('UPDATE audit_events SET "actorName" = $1, "occurredAt" = $2, "prevHash" = $3, hash = $4 WHERE sequence = $5', [r.actorName, r.occurredAt, r.prevHash, r.hash, r.sequence.toString()]);
    }
    await su.query('COMMIT');
  };
  const head = async () => Number((await su.query('SELECT max(sequence) AS m FROM audit_events')).rows[0].m);

  it('200 audited actions in parallel from two replicas and many connections form one unbroken chain', async () => {
    const replica = await t.replica();
    const writers = [t.app.get(AuditWriter), replica.get(AuditWriter)];
    const https = [request(t.app.getHttpServer()), request(replica.getHttpServer())];
    // 192 direct appends (each its own transaction) and 8 real audited HTTP renames, spread over
    // both replicas' connection pools. At most 32 in flight, so that on a loaded CI machine
    // nothing times out waiting for a pooled connection: they still contend for the chain lock.
    const tasks: (() => Promise<unknown>)[] = Array.from({ length: 192 }, (_, i) => () =>
        writers[i % 2].appendNow({
          type: 'ACTION',
          action: 'test.parallel',
          outcome: 'SUCCEEDED',
          actor: { type: 'API_KEY', id: `key-${i % 5}`, name: `tester ${i % 5}` },
          resource: { type: 'server', id: `srv-00${(i % 8) + 1}` },
          details: { i },
        }),
    );
    for (let i = 0; i < 8; i++) {
      tasks.splice(i * 25, 0, () =>
        https[i % 2].patch(`/v1/servers/srv-00${i + 1}`).set(bearer(t.admin)).send({ name: `parallel-${i}` }).then((r) => expect(r.status).toBe(200)),
      );
    }
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }));

    const stats = (await su.query(`SELECT count(*)::int AS n, min(sequence)::int AS lo, max(sequence)::int AS hi, count(*) FILTER (WHERE action IN ('test.parallel', 'server.rename'))::int AS ours FROM audit_events`)).rows[0];
    expect(stats.ours).toBe(200);
    expect(stats.lo).toBe(1);
    expect(stats.hi).toBe(stats.n); // no gaps
    const result = await verify();
    expect(result).toMatchObject({ valid: true, checked: stats.n, from: 1, to: stats.n });
  });

  it('UPDATE, DELETE and TRUNCATE are refused by the database itself, even as superuser via raw SQL', async () => {
    await expect(su.query(`UPDATE audit_events SET reason = 'x' WHERE sequence = 1`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(su.query('DELETE FROM audit_events WHERE sequence = 1')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(su.query('TRUNCATE audit_events')).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(su.query(`UPDATE audit_checkpoints SET hash = 'x'`)).resolves.toBeDefined(); // no rows yet: nothing fires
    await expect(su.query('TRUNCATE audit_checkpoints')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect((await verify()).valid).toBe(true);
  });

  describe('superuser tampering is detected at the right sequence', () => {
    beforeAll(snapshot);
    afterEach(async () => {
      await restore();
      expect((await verify()).valid).toBe(true);
    });

    it('an edited field', async () => {
      await tamper(`UPDATE audit_events SET "actorName" = 'somebody else' WHERE sequence = 17`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 17, reason: 'HASH_MISMATCH', checked: 16 });
    });

    it('an edited JSON detail', async () => {
      await tamper(`UPDATE audit_events SET details = '{"i": 999}' WHERE sequence = 40`);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 40, reason: 'HASH_MISMATCH' });
    });

    it('a deleted row (sequence gap)', async () => {
      await tamper('DELETE FROM audit_events WHERE sequence = 23');
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 23, reason: 'SEQUENCE_GAP', checked: 22 });
    });

    it('a deleted row with later rows renumbered to hide the gap (broken link)', async () => {
      await tamper('DELETE FROM audit_events WHERE sequence = 31; UPDATE audit_events SET sequence = -(sequence - 1) WHERE sequence > 31; UPDATE audit_events SET sequence = -sequence WHERE sequence < 0');
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 31, reason: 'PREV_HASH_MISMATCH' });
    });

    it('reordered rows', async () => {
      await tamper('UPDATE audit_events SET sequence = -1 WHERE sequence = 50; UPDATE audit_events SET sequence = 50 WHERE sequence = 51; UPDATE audit_events SET sequence = 51 WHERE sequence = -1');
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 50, checked: 49 });
    });

    it('a range check anchors on the row before it', async () => {
      await tamper(`UPDATE audit_events SET reason = 'edited' WHERE sequence = 80`);
      expect(await verify('?from=60&to=79')).toMatchObject({ valid: true, checked: 20, from: 60, to: 79 });
      expect(await verify('?from=60&to=90')).toMatchObject({ valid: false, firstBrokenSequence: 80 });
      // Row 80 is the link row 81 hangs on: an edit there breaks a check that starts at 81 too.
      expect(await verify('?from=81')).toMatchObject({ valid: true });
      await tamper('DELETE FROM audit_events WHERE sequence = 80');
      expect(await verify('?from=81')).toMatchObject({ valid: false, firstBrokenSequence: 80, reason: 'SEQUENCE_GAP' });
    });

    it('a rewrite of the whole chain with valid hashes is caught by the signed checkpoint', async () => {
      const cp = await t.app.get(AuditCheckpointer).checkpoint();
      expect(cp).not.toBeNull();
      const signedAt = cp!.sequence;
      // Recompute every hash after editing row 5: the chain alone now looks perfect.
      await rewriteChain((rows) => (rows[4].actorName = 'forged'));
      expect(await verify(`?to=${signedAt - 1}`)).toMatchObject({ valid: true }); // nothing signed vouches for rows before the checkpoint
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: signedAt, reason: 'CHECKPOINT_MISMATCH', checkpoints: { enabled: true, verified: 0 } });
    });

    it('a rewritten chain whose dates go backwards', async () => {
      await rewriteChain((rows) => (rows[8].occurredAt = new Date('2020-01-01T00:00:00Z')));
      expect(await verify('?to=100')).toMatchObject({ valid: false, firstBrokenSequence: 9, reason: 'TIME_REGRESSION' });
    });

    it('rows deleted from the end of the chain, behind a signed checkpoint', async () => {
      await t.app.get(AuditCheckpointer).checkpoint();
      const h = await head();
      await tamper('DELETE FROM audit_events WHERE sequence > $1', [h - 3]);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: h - 2, reason: 'ROWS_MISSING_AFTER_HEAD' });
    });

    it('a forged checkpoint', async () => {
      await tamper(`INSERT INTO audit_checkpoints (id, sequence, hash, "keyId", signature) SELECT 'ckp-forged', 12, hash, $1, 'AAAA' FROM audit_events WHERE sequence = 12`, [(await verify()).checkpoints.keyId]);
      expect(await verify()).toMatchObject({ valid: false, firstBrokenSequence: 12, reason: 'CHECKPOINT_SIGNATURE_INVALID' });
      await tamper(`DELETE FROM audit_checkpoints WHERE id = 'ckp-forged'`);
    });
  });

  it('checkpoints: one per head however many replicas race, exported with a public key that verifies them', async () => {
    const replica = await t.replica();
    await t.app.get(AuditWriter).appendNow({ type: 'CONFIG', action: 'test.head-moves', outcome: 'SUCCEEDED', actor: { type: 'SYSTEM', id: 'system:test', name: 'test' }, resource: { type: 'api' } });
    const h = await head();
    const made = await Promise.all([t.app, replica, t.app, replica].map((a) => a.get(AuditCheckpointer).checkpoint()));
    expect(made.filter(Boolean)).toHaveLength(1);
    expect((await su.query('SELECT count(*)::int AS n FROM audit_checkpoints WHERE sequence = $1', [h])).rows[0].n).toBe(1);
    expect(await t.app.get(AuditCheckpointer).checkpoint()).toBeNull(); // head already signed

    const r = await t.http.get('/v1/audit-events/checkpoints?limit=1').set(bearer(auditor));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ algorithm: 'Ed25519', keyId: expect.stringMatching(/^ed25519:/), items: [{ sequence: h }] });
    const [cp] = r.body.items;
    const publicKey = createPublicKey(r.body.publicKey);
    expect(verifySignature(null, Buffer.from(cp.payload), publicKey, Buffer.from(cp.signature, 'base64url'))).toBe(true);
    expect(JSON.parse(cp.payload)).toMatchObject({ sequence: String(h), hash: cp.hash, keyId: cp.keyId });
    const next = await t.http.get(`/v1/audit-events/checkpoints?limit=1&cursor=${r.body.nextCursor}`).set(bearer(auditor));
    expect(next.body.items[0].sequence).toBeLessThan(h);

    const v = await verify();
    expect(v).toMatchObject({ valid: true, checkpoints: { enabled: true } });
    expect(v.checkpoints.verified).toBeGreaterThanOrEqual(2);
  });

  it('verify and checkpoints need audit:read; bad ranges are 400', async () => {
    const viewer = await t.key('viewer');
    expect((await t.http.get('/v1/audit-events/verify').set(bearer(viewer))).status).toBe(403);
    expect((await t.http.get('/v1/audit-events/checkpoints').set(bearer(viewer))).status).toBe(403);
    const bad = await t.http.get('/v1/audit-events/verify?from=10&to=2').set(bearer(auditor));
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect((await t.http.get('/v1/audit-events/verify?from=abc').set(bearer(auditor))).status).toBe(400);
    expect((await t.http.get('/v1/audit-events/verify?from=0').set(bearer(auditor))).status).toBe(400);
  });
});
