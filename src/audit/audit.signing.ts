import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from './audit.hash';

/**
 * Checkpoints are signed with Ed25519 rather than HMAC: the private key stays
 * outside the database (AUDIT_SIGNING_KEY), and the public key can be handed to
 * auditors, who can then check exported checkpoints without being able to forge one.
 */
export const CHECKPOINT_ALGORITHM = 'Ed25519';

export interface CheckpointSigner {
  keyId: string;
  publicKeyPem: string;
  sign(payload: string): string;
  verify(payload: string, signature: string): boolean;
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Accepts a PKCS#8 PEM Ed25519 private key (newlines may be written as `\n`)
 *  or the base64/base64url of a 32-byte seed. Throws with a plain message. */
export function parseSigningKey(raw: string): KeyObject {
  const text = raw.trim().replace(/\\n/g, '\n');
  let key: KeyObject;
  if (text.startsWith('-----BEGIN')) {
    try {
      key = createPrivateKey({ key: text, format: 'pem' });
    } catch {
      throw new Error('is not a readable PEM private key');
    }
  } else {
    const seed = /^[A-Za-z0-9+/_-]+=*$/.test(text) ? Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
    if (seed.length !== 32) throw new Error('must be an Ed25519 PKCS#8 PEM private key or the base64 of a 32-byte seed');
    key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

export function createSigner(raw: string): CheckpointSigner {
  const privateKey = parseSigningKey(raw);
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    keyId: `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sign: (payload) => sign(null, Buffer.from(payload), privateKey).toString('base64url'),
    verify: (payload, signature) => {
      try {
        return verify(null, Buffer.from(payload), publicKey, Buffer.from(signature, 'base64url'));
      } catch {
        return false;
      }
    },
  };
}

/** The exact bytes a checkpoint signs; exported with each checkpoint so that
 *  anyone holding the public key can check it offline. */
export function checkpointPayload(c: { sequence: bigint; hash: string; keyId: string; createdAt: Date }): string {
  return canonicalJson({ v: 1, kind: 'audit-checkpoint', sequence: c.sequence.toString(), hash: c.hash, keyId: c.keyId, createdAt: c.createdAt.toISOString() });
}
