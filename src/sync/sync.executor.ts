import { Injectable, OnModuleInit } from '@nestjs/common';
import { ExecutorRegistry } from '../operations/executor.registry';
import { OperationFailure, OperationRun } from '../operations/operation.run';
import { ServerReconciler } from './server.reconciler';

/** The on-demand "Sync Status" operation: one reconciliation, adopting the hardware. */
@Injectable()
export class SyncExecutor implements OnModuleInit {
  constructor(
    private readonly registry: ExecutorRegistry,
    private readonly reconciler: ServerReconciler,
  ) {}

  onModuleInit(): void {
    this.registry.register('SYNC', (run) => this.execute(run));
  }

  async execute(run: OperationRun): Promise<void> {
    await run.heartbeat('RECONCILE');
    const result = await this.reconciler.reconcile(run.op.serverId, {
      actor: { type: 'SYSTEM', id: 'system:status-sync', name: 'status sync' },
      operationId: run.op.id,
      requestId: run.op.requestId,
    });
    if (result.outcome === 'UNREACHABLE') throw new OperationFailure('BMC_UNREACHABLE', result.error);
    await run.succeed({ reason: `sync: ${result.outcome.toLowerCase()}`, extra: async () => undefined });
  }
}
