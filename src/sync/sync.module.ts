import { Module } from '@nestjs/common';
import { ServerReconciler } from './server.reconciler';
import { SyncExecutor } from './sync.executor';

@Module({
  providers: [ServerReconciler, SyncExecutor],
  exports: [ServerReconciler],
})
export class SyncModule {}
