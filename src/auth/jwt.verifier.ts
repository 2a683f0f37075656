import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { DomainError } from '../common/errors';
import { APP_CONFIG, AppConfig, HMAC_ALGORITHMS, JwtConfig } from '../config/config';
import { Role, ROLES } from './permissions';
import type { Authentication } from './principal';

/** Reads a claim by its exact name first (URL-namespaced claims contain dots), then as a dotted path (`realm_access.roles`). */
export function claimOf(payload: JWTPayload, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let v: unknown = payload;
  for (const part of name.split('.')) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, part)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const isRole = (v: unknown): v is Role => typeof v === 'string' && (ROLES as readonly string[]).includes(v);
const isHmac = (alg: string | undefined) => (HMAC_ALGORITHMS as readonly (string | undefined)[]).includes(alg);

/**
 * Verifies portal users' bearer JWTs: signature (HS* with JWT_SECRET, others
 * from the JWKS, picked by `kid`), the algorithm allow-list (never `none`),
 * `iss`, `aud`, `exp`, `nbf`; then maps the role and pool claims to a USER
 * principal. A genuine token without exactly one known role is a 403: the
 * caller is authenticated, the identity provider granted it nothing here.
 */
@Injectable()
export class JwtVerifier {
  private readonly logger = new Logger('JwtVerifier');
  private readonly config: JwtConfig | null;
  private readonly getKey: JWTVerifyGetKey | undefined;

  constructor(@Inject(APP_CONFIG) app: AppConfig) {
    this.config = app.jwt;
    if (!this.config) return;
    const secret = this.config.secret ? new TextEncoder().encode(this.config.secret) : undefined;
    // jose refetches the JWKS when a token names an unknown `kid` (key rotation), at most once per cooldown.
    const jwks = this.config.jwksUrl
      ? createRemoteJWKSet(this.config.jwksUrl, { cooldownDuration: this.config.jwksCooldownMs, timeoutDuration: this.config.jwksTimeoutMs })
      : undefined;
    // jose checks the allow-list before asking for a key, so an HS token never meets a public key here.
    this.getKey = async (header, token) => {
      if (isHmac(header.alg)) {
        if (!secret) throw new errors.JOSEAlgNotAllowed('no shared secret configured');
        return secret;
      }
      if (!jwks) throw new errors.JOSEAlgNotAllowed('no JWKS configured');
      try {
        return await jwks(header, token);
      } catch (e) {
        if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys) throw e;
        // The identity provider is unreachable or answering garbage: our outage, not the caller's fault.
        this.logger.error(`JWKS fetch from ${this.config!.jwksUrl} failed: ${(e as Error).message}`);
        throw new DomainError('SERVICE_UNAVAILABLE', 'The identity provider cannot be reached, please retry');
      }
    };
  }

  async verify(token: string): Promise<Authentication> {
    const cfg = this.config;
    if (!cfg || !this.getKey) return { refused: 'UNAUTHENTICATED', reason: 'not an API key, and bearer JWTs are not enabled' };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        issuer: cfg.issuer,
        audience: cfg.audience,
        algorithms: cfg.algorithms,
        clockTolerance: cfg.clockToleranceSec,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (e) {
      if (e instanceof DomainError) throw e;
      if (e instanceof errors.JOSEError) return { refused: 'UNAUTHENTICATED', reason: `JWT rejected: ${e.code}: ${e.message}` };
      return { refused: 'UNAUTHENTICATED', reason: 'JWT rejected: malformed token' };
    }

    const sub = String(payload.sub).slice(0, 256);
    const nameClaim = [payload.name, payload.preferred_username, payload.email].find((v) => typeof v === 'string' && v.length > 0);
    const actor = { type: 'USER', id: sub, name: (typeof nameClaim === 'string' ? nameClaim : sub).slice(0, 256) };

    const rawPools = claimOf(payload, cfg.poolsClaim);
    let poolIds: string[] | null = null; // no claim: every pool
    if (rawPools !== undefined) {
      const arr = typeof rawPools === 'string' ? [rawPools] : rawPools;
      if (!Array.isArray(arr) || arr.length > 1000 || !arr.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 128)) {
        return { refused: 'UNAUTHENTICATED', reason: `JWT rejected: claim ${cfg.poolsClaim} must be a list of pool ids` };
      }
      poolIds = [...new Set(arr as string[])]; // an empty list is no pool at all, never "all pools"
    }

    const rawRole = claimOf(payload, cfg.roleClaim);
    const roles = [...new Set((Array.isArray(rawRole) ? rawRole : [rawRole]).filter(isRole))];
    if (roles.length !== 1) {
      const why = roles.length === 0 ? `no known role in claim ${cfg.roleClaim}` : `several roles in claim ${cfg.roleClaim} (${roles.join(', ')})`;
      return { refused: 'FORBIDDEN', reason: `Token carries ${why}; expected exactly one of ${ROLES.join(', ')}`, actor };
    }
    return { principal: { type: 'USER', id: actor.id, name: actor.name, role: roles[0], poolIds } };
  }
}
