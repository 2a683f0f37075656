import { Injectable, OnModuleInit } from '@nestjs/common';
import type { Server } from '../generated/prisma/client';
import type { AuditInput } from '../audit/audit.writer';
import type { Tx } from '../database/prisma.service';
import { ExecutorRegistry } from '../operations/executor.registry';
import { OperationFailure, OperationRun, WORKER_ACTOR } from '../operations/operation.run';

/**
 * Switch OS, reset OS and create image. The server stays STOPPED throughout
 * (its task says what is happening); each executor is safe to re-run from the
 * start, so a replica that takes over a half-done operation simply repeats the
 * provider task.
 */
export async function installOsExecutor(run: OperationRun): Promise<void> {
  const server = await run.server();
  // Switch names its image; reset reinstalls the one the server has.
  const imageId = run.op.type === 'SWITCH_OS' ? stringParam(run, 'imageId') : server.imageId;
  await run.heartbeat('INSTALL_OS');
  await run.runProviderTask({ kind: 'INSTALL_OS', imageId });
  const verb = run.op.type === 'SWITCH_OS' ? `switched OS from ${server.imageId} to ${imageId}` : `reinstalled OS image ${imageId}`;
  await run.succeed({
    status: 'STOPPED',
    reason: `${verb}; system disk erased, data disks kept`,
    details: { previousImageId: server.imageId, imageId },
    // The image is a relation, outside the status CAS's field set; written in the same transaction.
    extra: async (tx, s) => {
      await tx.server.update({ where: { id: s.id }, data: { imageId } });
    },
  });
}

export async function createImageExecutor(run: OperationRun): Promise<void> {
  const imageId = stringParam(run, 'imageId');
  await run.heartbeat('CAPTURE_IMAGE');
  await run.runProviderTask({ kind: 'CAPTURE_IMAGE', imageId });
  await run.succeed({
    status: 'STOPPED',
    reason: `captured system disk as image ${imageId}`,
    details: { imageId },
    extra: (tx, server) => finishImage(tx, run, server, imageId, { status: 'AVAILABLE' }),
  });
}

/** A failed capture leaves the image FAILED with the reason, in the operation's failing transaction. */
export function failImage(tx: Tx, run: OperationRun, error: { code: string; message: string }, server: Server): Promise<AuditInput[]> {
  const imageId = typeof run.params.imageId === 'string' ? run.params.imageId : undefined;
  if (!imageId) return Promise.resolve([]);
  return finishImage(tx, run, server, imageId, { status: 'FAILED', failureReason: `${error.code}: ${error.message}`.slice(0, 1000) });
}

async function finishImage(tx: Tx, run: OperationRun, server: Server, imageId: string, end: { status: 'AVAILABLE' | 'FAILED'; failureReason?: string }): Promise<AuditInput[]> {
  const n = await tx.image.updateMany({
    where: { id: imageId, status: 'CREATING' },
    data: { status: end.status, failureReason: end.failureReason ?? null, version: { increment: 1 } },
  });
  if (n.count === 0) return []; // already settled by an earlier attempt
  const image = await tx.image.findUniqueOrThrow({ where: { id: imageId } });
  return [
    {
      type: 'ACTION',
      action: 'image.create',
      outcome: end.status === 'AVAILABLE' ? 'SUCCEEDED' : 'FAILED',
      actor: WORKER_ACTOR,
      resource: { type: 'image', id: image.id, name: image.name },
      poolId: image.poolId,
      operationId: run.op.id,
      requestId: run.op.requestId,
      fromStatus: 'CREATING',
      toStatus: end.status,
      reason: end.failureReason ?? `captured from server ${server.id}`,
      details: { sourceServerId: server.id },
    },
  ];
}

function stringParam(run: OperationRun, name: string): string {
  const v = run.params[name];
  if (typeof v !== 'string' || !v) throw new OperationFailure('INVALID_OPERATION', `Operation ${run.op.id} has no ${name}`);
  return v;
}

@Injectable()
export class OsExecutors implements OnModuleInit {
  constructor(private readonly registry: ExecutorRegistry) {}

  onModuleInit(): void {
    this.registry.register('SWITCH_OS', installOsExecutor);
    this.registry.register('RESET_OS', installOsExecutor);
    this.registry.register('CREATE_IMAGE', createImageExecutor, { onFail: failImage });
  }
}
