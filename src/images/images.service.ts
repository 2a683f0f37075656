import { Injectable } from '@nestjs/common';
import type { Image, Prisma } from '../generated/prisma/client';
import type { Principal } from '../auth/principal';
import { notFound } from '../common/errors';
import { PrismaService } from '../database/prisma.service';

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

@Injectable()
export class ImagesService {
  constructor(private readonly prisma: PrismaService) {}

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
}
