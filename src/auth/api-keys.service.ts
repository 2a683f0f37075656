import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { newId } from '../common/ids';
import type { Principal } from './principal';
import type { Role } from './permissions';

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
/** Secrets are 32 random bytes, so a fast hash is enough (no offline guessing). */
export const generateSecret = (): string => `lsk_${randomBytes(24).toString('base64url')}`;
export const displayPrefix = (secret: string): string => secret.slice(0, 12);

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Resolves a bearer secret to a principal, or null if unknown, expired or revoked. */
  async authenticate(secret: string): Promise<Principal | null> {
    const key = await this.prisma.apiKey.findUnique({ where: { secretHash: hashSecret(secret) } });
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
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707370)`;
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
