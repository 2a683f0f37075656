import { Injectable } from '@nestjs/common';
import type { Image, Server } from '../generated/prisma/client';
import type { AuditInput } from '../audit/audit.writer';
import { DomainError } from '../common/errors';
import { newId } from '../common/ids';
import type { RequestContext } from '../common/request-context';
import type { Tx } from '../database/prisma.service';
import { asNameTaken, ImagesService } from '../images/images.service';
import { Accepted, OperationsService } from '../operations/operations.service';
import { incompatibility } from './image-compatibility';

/** What every client must hear before erasing a system disk. */
export const DATA_LOSS_WARNING =
  'This erases all data on the server\'s system disk; data disks are kept. Back up what you need to a data disk or to OBS, ' +
  'then repeat the request with "confirmDataLoss": true.';

/**
 * Switch OS, reset OS and custom images: each is a durable operation on a
 * STOPPED server (the state machine says so), with the image preconditions
 * checked before acceptance and re-checked under a row lock inside it.
 */
@Injectable()
export class OsService {
  constructor(
    private readonly operations: OperationsService,
    private readonly images: ImagesService,
  ) {}

  switchOs(ctx: RequestContext, serverId: string, body: { imageId: string; confirmDataLoss?: boolean }, idempotencyKey?: string): Promise<Accepted> {
    assertDataLossConfirmed('switch-os', serverId, body.confirmDataLoss);
    return this.operations.request(ctx, {
      action: 'switch-os',
      type: 'SWITCH_OS',
      serverId,
      params: { imageId: body.imageId, confirmDataLoss: true },
      idempotencyKey,
      precheck: async (server) => {
        const image = await this.images.findVisible(ctx.principal, body.imageId);
        if (image.id === server.imageId) {
          throw new DomainError('IMAGE_ALREADY_INSTALLED', `Server ${server.id} already runs image ${image.id}; to reinstall it, use reset-os`, {
            serverId: server.id,
            imageId: image.id,
          });
        }
        assertInstallable(image, server);
      },
      onAccept: async (tx, server) => {
        assertInstallable(await lockImage(tx, body.imageId), server);
      },
    });
  }

  resetOs(ctx: RequestContext, serverId: string, body: { confirmDataLoss?: boolean }, idempotencyKey?: string): Promise<Accepted> {
    assertDataLossConfirmed('reset-os', serverId, body.confirmDataLoss);
    return this.operations.request(ctx, {
      action: 'reset-os',
      type: 'RESET_OS',
      serverId,
      params: { confirmDataLoss: true },
      idempotencyKey,
      // The current image: it cannot be deleted while the server runs it, but it
      // could in principle have been marked unusable, so check it like any other.
      precheck: async (server) => assertInstallable(await this.images.findVisible(ctx.principal, server.imageId), server),
      onAccept: async (tx, server) => {
        assertInstallable(await lockImage(tx, server.imageId), server);
      },
    });
  }

  /**
   * Captures the server's system disk as a custom image. The image row is
   * created CREATING in the acceptance transaction (so it is visible at once and
   * its name is taken), and the operation records its id.
   */
  createImage(ctx: RequestContext, serverId: string, body: { name: string; description?: string }, idempotencyKey?: string): Promise<Accepted> {
    const params = { name: body.name, description: body.description ?? '' };
    return this.operations.request(ctx, {
      action: 'create-image',
      type: 'CREATE_IMAGE',
      serverId,
      params,
      idempotencyKey,
      precheck: (server) => this.images.assertNameFree(server.poolId, body.name),
      onAccept: async (tx, server, operationId): Promise<AuditInput[]> => {
        await this.images.assertNameFree(server.poolId, body.name, { tx });
        const base = await tx.image.findUniqueOrThrow({ where: { id: server.imageId } });
        const image = await tx.image
          .create({
            data: {
              id: newId('img'),
              name: body.name,
              description: params.description,
              type: 'CUSTOM',
              status: 'CREATING',
              osFamily: base.osFamily,
              osVersion: base.osVersion,
              architecture: server.architecture,
              accelerator: server.acceleratorType,
              sizeGb: base.sizeGb,
              poolId: server.poolId,
              sourceServerId: server.id,
              createdById: ctx.principal.id,
            },
          })
          .catch(asNameTaken(body.name));
        // The operation names its image, so clients find it and deletion sees it in use.
        await tx.operation.update({ where: { id: operationId }, data: { params: { ...params, imageId: image.id } } });
        return [
          {
            ...this.images.auditBase(ctx, image),
            type: 'ACTION',
            action: 'image.create',
            outcome: 'ACCEPTED',
            operationId,
            toStatus: 'CREATING',
            details: { sourceServerId: server.id, baseImageId: base.id, createdBy: ctx.principal.id },
          },
        ];
      },
    });
  }
}

function assertDataLossConfirmed(action: string, serverId: string, confirmed: boolean | undefined): void {
  if (confirmed !== true) {
    throw new DomainError('DATA_LOSS_NOT_CONFIRMED', `${action} erases the system disk of server ${serverId}. ${DATA_LOSS_WARNING}`, {
      systemDisk: 'ERASED',
      dataDisks: 'KEPT',
      required: { confirmDataLoss: true },
    });
  }
}

function assertInstallable(image: Image, server: Server): void {
  if (image.status !== 'AVAILABLE') {
    throw new DomainError('IMAGE_NOT_AVAILABLE', `Image ${image.id} is ${image.status}; only AVAILABLE images can be installed`, { imageId: image.id, imageStatus: image.status });
  }
  const reasons = incompatibility(image, server);
  if (reasons) {
    throw new DomainError('IMAGE_INCOMPATIBLE', `Image ${image.id} cannot be installed on server ${server.id}: ${reasons.join('; ')}`, {
      imageId: image.id,
      serverId: server.id,
      reasons,
      image: { architecture: image.architecture, accelerator: image.accelerator, poolId: image.poolId },
      server: { architecture: server.architecture, acceleratorType: server.acceleratorType, poolId: server.poolId },
    });
  }
}

/**
 * Share-locks the image row for the rest of the acceptance transaction, so a
 * concurrent delete (which takes FOR UPDATE) either finishes first (and the
 * image is gone) or waits and then sees this operation using it.
 */
async function lockImage(tx: Tx, imageId: string): Promise<Image> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM images WHERE id = ${imageId} FOR SHARE`;
  if (!rows.length) throw new DomainError('NOT_FOUND', `Image ${imageId} not found`, { resource: 'Image', id: imageId });
  return tx.image.findUniqueOrThrow({ where: { id: imageId } });
}
