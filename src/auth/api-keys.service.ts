import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { newId } from '../common/ids';
import { DomainError, notFound } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { AuditWriter } from '../audit/audit.writer';
import type { ApiKey } from '../generated/prisma/client';
import { actorOf, Principal } from './principal';
import type { Role } from './permissions';

/** Every API key starts with this, so the guard tells keys from JWTs without a lookup. */
export const API_KEY_PREFIX = 'lsk_';
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
/** Secrets are 32 random bytes, so a fast hash is enough (no offline guessing). */
export const generateSecret = (): string => `${API_KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
export const displayPrefix = (secret: string): string => secret.slice(0, 12);

export interface ApiKeyView {
  id: string;
  name: string;
  role: Role;
  /** null: every pool. */
  poolIds: string[] | null;
  /** The first characters of the secret, to recognise a key; never the secret. */
  prefix: string;
  status: 'ACTIVE' | 'EXPIRED' | 'REVOKED';
  expiresAt: string | null;
  revokedAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

export const toApiKeyView = (k: ApiKey, now = Date.now()): ApiKeyView => ({
  id: k.id,
  name: k.name,
  role: k.role,
  poolIds: k.poolIds.length ? k.poolIds : null,
  prefix: k.prefix,
  status: k.revokedAt ? 'REVOKED' : k.expiresAt && k.expiresAt.getTime() <= now ? 'EXPIRED' : 'ACTIVE',
  expiresAt: k.expiresAt?.toISOString() ?? null,
  revokedAt: k.revokedAt?.toISOString() ?? null,
  createdBy: k.createdById,
  createdAt: k.createdAt.toISOString(),
});

/** Serialises key bootstrap and revocation of admin keys across replicas. */
const KEYS_LOCK = 72707370;

const badField = (field: string, problem: string) => new DomainError('VALIDATION_FAILED', `Invalid request: ${field} (${problem})`, { fields: [{ field, problems: [problem] }] });

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditWriter,
  ) {}

  /** A pool-scoped principal manages only keys confined to its own pools, so it cannot mint a wider key. */
  private manages(p: Principal, k: ApiKey): boolean {
    return p.poolIds === null || (k.poolIds.length > 0 && k.poolIds.every((id) => p.poolIds!.includes(id)));
  }

  /** Creates a key on behalf of an admin; the secret is in the result and nowhere else. */
  async issue(ctx: RequestContext, input: { name: string; role: Role; poolIds?: string[]; expiresAt?: string }): Promise<ApiKeyView & { secret: string }> {
    const p = ctx.principal;
    const poolIds = input.poolIds ?? p.poolIds ?? [];
    // Stored [] means every pool: a caller limited to no pool at all must not mint one.
    if (p.poolIds !== null && poolIds.length === 0) throw badField('poolIds', 'a pool-scoped caller can only create keys within its own pools');
    if (poolIds.length) {
      const found = await this.prisma.pool.findMany({ where: { id: { in: poolIds } }, select: { id: true } });
      // Pools outside the caller's scope do not exist for it (same message as truly unknown ones).
      const unknown = poolIds.filter((id) => !found.some((f) => f.id === id) || (p.poolIds !== null && !p.poolIds.includes(id)));
      if (unknown.length) throw badField('poolIds', `unknown pool(s): ${unknown.join(', ')}`);
    }
    const expiresAt = input.expiresAt === undefined ? undefined : new Date(input.expiresAt);
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw badField('expiresAt', 'expiresAt must be in the future');

    const secret = generateSecret();
    const key = await this.prisma.$transaction(async (tx) => {
      const k = await tx.apiKey.create({
        data: { id: newId('key'), name: input.name, prefix: displayPrefix(secret), secretHash: hashSecret(secret), role: input.role, poolIds, expiresAt, createdById: p.id },
      });
      await this.audit.append(tx, {
        type: 'CONFIG',
        action: 'api-key.create',
        outcome: 'SUCCEEDED',
        actor: actorOf(p),
        resource: { type: 'api-key', id: k.id, name: k.name },
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
        userAgent: ctx.userAgent,
        details: { role: k.role, poolIds: k.poolIds, prefix: k.prefix, expiresAt: k.expiresAt?.toISOString() ?? null },
      });
      return k;
    });
    return { ...toApiKeyView(key), secret };
  }

  async list(p: Principal): Promise<{ items: ApiKeyView[] }> {
    const keys = await this.prisma.apiKey.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    const now = Date.now();
    return { items: keys.filter((k) => this.manages(p, k)).map((k) => toApiKeyView(k, now)) };
  }

  /**
   * Revokes a key; every request authenticates against the database, so the
   * very next request with it is refused. Revoking a revoked key is a no-op.
   */
  async revoke(ctx: RequestContext, id: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEYS_LOCK}::bigint)`;
      const key = await tx.apiKey.findUnique({ where: { id } });
      if (!key || !this.manages(ctx.principal, key)) throw notFound('ApiKey', id);
      if (key.revokedAt) return;
      const live = { revokedAt: null, role: 'admin' as const, poolIds: { isEmpty: true }, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] };
      if (key.role === 'admin' && !key.poolIds.length && (await tx.apiKey.count({ where: { ...live, id: { not: id } } })) === 0) {
        throw new DomainError('CONFLICT', 'This is the last active unrestricted admin key; create another one before revoking it');
      }
      await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
      await this.audit.append(tx, {
        type: 'CONFIG',
        action: 'api-key.revoke',
        outcome: 'SUCCEEDED',
        actor: actorOf(ctx.principal),
        resource: { type: 'api-key', id: key.id, name: key.name },
        requestId: ctx.requestId,
        sourceIp: ctx.sourceIp,
        userAgent: ctx.userAgent,
        details: { role: key.role, poolIds: key.poolIds, prefix: key.prefix },
      });
    });
  }

  /** Resolves a bearer secret to a principal, or null if unknown, expired or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    // Hot path (every request): one prepared statement on the shared pool, no
    // Prisma and no cache, so a revocation applies to the very next request on every replica.
    const { rows } = await this.prisma.pg.query<{ id: string; name: string; role: Role; poolIds: string[]; expiresAt: Date | null; revokedAt: Date | null }>({
      name: 'auth_api_key',
      text: 'SELECT id, name, role::text AS role, "poolIds", "expiresAt", "revokedAt" FROM api_keys WHERE "secretHash" = $1',
      values: [hashSecret(secret)],
    });
    const key = rows[0];
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) return null;
    return { type: 'API_KEY', id: key.id, name: key.name, role: key.role, poolIds: key.poolIds.length ? key.poolIds : null };
  }

  async create(input: { name: string; role: Role; poolIds?: string[]; expiresAt?: Date; createdById?: string; secret?: string }) {
    const secret = input.secret ?? generateSecret();
    const key = await this.prisma.apiKey.create({
      data: {
        id: newId('key'),
        name: input.name,
        prefix: displayPrefix(secret),
        secretHash: hashSecret(secret),
        role: input.role,
        poolIds: input.poolIds ?? [],
        expiresAt: input.expiresAt,
        createdById: input.createdById,
      },
    });
    return { key, secret };
  }

  /** ADMIN_API_KEY set → that admin key exists; no key at all → print a new one once. */
  async bootstrap(): Promise<void> {
    if (this.config.adminApiKey) {
      const secretHash = hashSecret(this.config.adminApiKey);
      const existing = await this.prisma.apiKey.findUnique({ where: { secretHash } });
      if (!existing) {
        await this.create({ name: 'bootstrap-admin', role: 'admin', secret: this.config.adminApiKey }).catch(() => undefined);
      } else if (existing.revokedAt || existing.role !== 'admin') {
        await this.prisma.apiKey.update({ where: { secretHash }, data: { revokedAt: null, role: 'admin', poolIds: [], expiresAt: null } });
      }
      return;
    }
    // Serialise the "first start" check across replicas starting together.
    await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${KEYS_LOCK}::bigint)`;
      if ((await tx.apiKey.count()) > 0) return;
      const secret = generateSecret();
      await tx.apiKey.create({
        data: { id: newId('key'), name: 'initial-admin', prefix: displayPrefix(secret), secretHash: hashSecret(secret), role: 'admin' },
      });
      // Printed plainly, once, on stdout: the log pipeline redacts every lsk_ secret.
      this.logger.warn('No API key existed: created an initial admin key (printed once on stdout)');
      process.stdout.write(`No API key existed: created admin key (shown once, store it now): ${secret}\n`);
    });
  }
}
