import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '../config/config';
import { checkpointPayload, createSigner, parseSigningKey } from './audit.signing';

describe('audit signing key', () => {
  const seed = Buffer.alloc(32, 1);

  it.each([
    ['base64 seed', seed.toString('base64')],
    ['base64url seed', seed.toString('base64url')],
    ['PEM with escaped newlines', generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().replace(/\n/g, '\\n')],
  ])('accepts a %s', (_name, raw) => {
    expect(parseSigningKey(raw).asymmetricKeyType).toBe('ed25519');
  });

  it.each([
    ['too short', Buffer.alloc(16).toString('base64'), /32-byte seed/],
    ['not a key', 'hello world', /32-byte seed/],
    ['an RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), /must be an Ed25519 key/],
    ['a broken PEM', '-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----', /readable PEM/],
  ])('refuses %s, and so does the config, naming the variable', (_name, raw, message) => {
    expect(() => parseSigningKey(raw)).toThrow(message);
    expect(() => loadConfig({ AUDIT_SIGNING_KEY: raw })).toThrow(/^AUDIT_SIGNING_KEY /);
  });

  it('config: unset means no signing; the interval is bounded', () => {
    expect(loadConfig({}).audit).toEqual({ signingKey: undefined, checkpointIntervalMs: 300_000 });
    expect(() => loadConfig({ AUDIT_CHECKPOINT_INTERVAL_MS: '10' })).toThrow(/AUDIT_CHECKPOINT_INTERVAL_MS/);
  });

  it('signs and verifies a checkpoint payload; any change breaks it', () => {
    const s = createSigner(seed.toString('base64'));
    const cp = { sequence: 42n, hash: 'ab'.repeat(32), keyId: s.keyId, createdAt: new Date('2026-01-01T00:00:00Z') };
    const sig = s.sign(checkpointPayload(cp));
    expect(s.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    expect(s.verify(checkpointPayload(cp), sig)).toBe(true);
    expect(s.verify(checkpointPayload({ ...cp, sequence: 43n }), sig)).toBe(false);
    expect(s.verify(checkpointPayload(cp), 'garbage')).toBe(false);
  });
});
