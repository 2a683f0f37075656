import { Injectable } from '@nestjs/common';
import type { Image, Prisma } from '../generated/prisma/client';
import { actorOf, Principal } from '../auth/principal';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import { DomainError, notFound } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { PrismaService, Tx } from '../database/prisma.service';

export interface ImageView {
  id: string;
  name: string;
  description: string;
  type: string;
  status: string;
  osFamily: string;
  osVersion: string;
  architecture: string;
  accelerator: string | null;
  sizeGb: number;
  failureReason: string | null;
  poolId: string | null;
  sourceServerId: string | null;
  createdBy: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const toImageView = (i: Image): ImageView => ({
  id: i.id,
  name: i.name,
  description: i.description,
  type: i.type,
  status: i.status,
  osFamily: i.osFamily,
  osVersion: i.osVersion,
  architecture: i.architecture,
  accelerator: i.accelerator,
  sizeGb: i.sizeGb,
  failureReason: i.failureReason,
  poolId: i.poolId,
  sourceServerId: i.sourceServerId,
  createdBy: i.createdById,
  version: i.version,
  createdAt: i.createdAt.toISOString(),
  updatedAt: i.updatedAt.toISOString(),
});

export interface ImageFilter {
  type?: 'PUBLIC' | 'CUSTOM';
  architecture?: 'X86_64' | 'AARCH64';
  accelerator?: 'NPU' | 'GPU';
  status?: 'CREATING' | 'AVAILABLE' | 'FAILED';
}

export interface ImageChange {
  name?: string;
  description?: string;
}

/** Operations that still need an image (installing it, or capturing into it). */
const ACTIVE_OPS: Prisma.OperationWhereInput['status'] = { in: ['PENDING', 'RUNNING'] };

@Injectable()
export class ImagesService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
  ) {}

  /** Public images for everyone; custom images only within the caller's pools. */
  scopeWhere(p: Principal): Prisma.ImageWhereInput {
    return p.poolIds === null ? {} : { OR: [{ type: 'PUBLIC' }, { poolId: { in: p.poolIds } }] };
  }

  async list(p: Principal, f: ImageFilter = {}): Promise<{ items: ImageView[] }> {
    const rows = await this.prisma.image.findMany({
      where: { AND: [this.scopeWhere(p), { type: f.type, architecture: f.architecture, accelerator: f.accelerator, status: f.status }] },
      orderBy: [{ type: 'asc' }, { name: 'asc' }],
    });
    return { items: rows.map(toImageView) };
  }

  /** Batch read (GraphQL loaders): the images among `ids` the principal may see. */
  async viewsByIds(p: Principal, ids: readonly string[]): Promise<ImageView[]> {
    const rows = await this.prisma.image.findMany({ where: { AND: [this.scopeWhere(p), { id: { in: [...ids] } }] } });
    return rows.map(toImageView);
  }

  async findVisible(p: Principal, id: string): Promise<Image> {
    const img = await this.prisma.image.findFirst({ where: { AND: [{ id }, this.scopeWhere(p)] } });
    if (!img) throw notFound('Image', id);
    return img;
  }

  async get(p: Principal, id: string): Promise<ImageView> {
    return toImageView(await this.findVisible(p, id));
  }

  /**
   * Refuses a name already used in the same scope, ignoring case: the public
   * catalogue is visible to every pool, so a custom name may not repeat a
   * public one either. A unique index backs this up against races.
   */
  async assertNameFree(poolId: string, name: string, opts: { exceptId?: string; tx?: Tx } = {}): Promise<void> {
    const { exceptId, tx = this.prisma } = opts;
    const clash = await tx.image.findFirst({
      where: { name: { equals: name, mode: 'insensitive' }, OR: [{ poolId: null }, { poolId }], id: exceptId ? { not: exceptId } : undefined },
      select: { id: true, poolId: true },
    });
    if (clash) throw nameTaken(name, clash.id);
  }

  /** Renames or re-describes a custom image (CAS on version; If-Match → 412). */
  async update(ctx: RequestContext, id: string, change: ImageChange, expectedVersion?: number): Promise<ImageView> {
    if (change.name === undefined && change.description === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Nothing to change: send name and/or description', { fields: [{ field: 'name', problems: ['name or description is required'] }] });
    }
    const image = await this.findVisible(ctx.principal, id);
    try {
      assertCustom(image);
      assertVersion(image, expectedVersion);
      const updated = await this.prisma.$transaction(async (tx) => {
        if (change.name !== undefined) await this.assertNameFree(image.poolId!, change.name, { exceptId: image.id, tx });
        const n = await tx.image
          .updateMany({ where: { id, version: image.version }, data: { ...change, version: { increment: 1 } } })
          .catch(asNameTaken(change.name ?? image.name));
        if (n.count === 0) throw new DomainError(expectedVersion !== undefined ? 'PRECONDITION_FAILED' : 'CONFLICT', `Image ${id} was changed concurrently; retry`);
        const after = await tx.image.findUniqueOrThrow({ where: { id } });
        await this.audit.append(tx, {
          ...this.auditBase(ctx, after),
          type: 'ACTION',
          action: 'image.update',
          outcome: 'SUCCEEDED',
          details: { before: { name: image.name, description: image.description }, after: { name: after.name, description: after.description } },
        });
        return after;
      });
      return toImageView(updated);
    } catch (e) {
      return this.refuse(ctx, image, 'image.update', e);
    }
  }

  /**
   * Deletes a custom image no server runs and no pending or running operation
   * uses. The image row is locked first; an operation about to install it takes
   * a share lock on the same row (see OsService), so the two cannot interleave.
   */
  async remove(ctx: RequestContext, id: string, expectedVersion?: number): Promise<void> {
    const image = await this.findVisible(ctx.principal, id);
    try {
      assertCustom(image);
      await this.prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRaw<{ version: number }[]>`SELECT version FROM images WHERE id = ${id} FOR UPDATE`;
        if (!locked.length) throw notFound('Image', id);
        assertVersion(locked[0], expectedVersion);
        const [servers, operations] = await Promise.all([
          tx.server.findMany({ where: { imageId: id }, select: { id: true }, orderBy: { id: 'asc' }, take: 20 }),
          tx.operation.findMany({ where: { status: ACTIVE_OPS, params: { path: ['imageId'], equals: id } }, select: { id: true, type: true }, take: 20 }),
        ]);
        if (servers.length || operations.length) {
          const users = [servers.length ? `server(s) ${servers.map((s) => s.id).join(', ')}` : '', operations.length ? `${operations.length} pending or running operation(s)` : ''];
          throw new DomainError('IMAGE_IN_USE', `Image ${id} is in use by ${users.filter(Boolean).join(' and ')}; it cannot be deleted`, {
            serverIds: servers.map((s) => s.id),
            operationIds: operations.map((o) => o.id),
          });
        }
        await tx.image.delete({ where: { id } });
        await this.audit.append(tx, {
          ...this.auditBase(ctx, image),
          type: 'ACTION',
          action: 'image.delete',
          outcome: 'SUCCEEDED',
          details: { image: { name: image.name, status: image.status, sourceServerId: image.sourceServerId, createdById: image.createdById } },
        });
      });
    } catch (e) {
      await this.refuse(ctx, image, 'image.delete', e);
    }
  }

  auditBase(ctx: RequestContext, image: Pick<Image, 'id' | 'name' | 'poolId'>): Pick<AuditInput, 'actor' | 'resource' | 'poolId' | 'requestId' | 'sourceIp' | 'userAgent'> {
    return {
      actor: actorOf(ctx.principal),
      resource: { type: 'image', id: image.id, name: image.name },
      poolId: image.poolId,
      requestId: ctx.requestId,
      sourceIp: ctx.sourceIp,
      userAgent: ctx.userAgent,
    };
  }

  /** Records a refused image change (its own transaction), then rethrows. */
  private async refuse(ctx: RequestContext, image: Image, action: string, err: unknown): Promise<never> {
    if (err instanceof DomainError && err.code !== 'NOT_FOUND') {
      await this.audit.appendNow({ ...this.auditBase(ctx, image), type: 'ACTION', action, outcome: 'REJECTED', reason: `${err.code}: ${err.message}` });
    }
    throw err;
  }
}

const assertCustom = (image: Image) => {
  if (image.type === 'PUBLIC') {
    throw new DomainError('PUBLIC_IMAGE_READ_ONLY', `Image ${image.id} belongs to the public catalogue and cannot be changed or deleted`, { imageId: image.id });
  }
};

const assertVersion = (current: { version: number }, expected: number | undefined) => {
  if (expected !== undefined && expected !== current.version) {
    throw new DomainError('PRECONDITION_FAILED', `Image has version ${current.version}, not ${expected}`, { currentVersion: current.version });
  }
};

export const nameTaken = (name: string, conflictingImageId?: string) =>
  new DomainError('NAME_TAKEN', `An image named "${name}" already exists in this scope (public catalogue or this pool)`, { name, conflictingImageId });

/** Maps the unique index's violation (a concurrent request took the name) to NAME_TAKEN. */
export const asNameTaken =
  (name: string) =>
  (e: unknown): never => {
    const code = (e as { code?: string })?.code;
    if (code === 'P2002' || code === '23505') throw nameTaken(name);
    throw e;
  };
