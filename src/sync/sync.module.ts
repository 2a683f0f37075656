import { Module } from '@nestjs/common';
import { PoolsModule } from '../pools/pools.module';
import { ServerReconciler } from './server.reconciler';
import { SyncPolicyController } from './sync-policy.controller';
import { SyncPolicyService } from './sync-policy.service';
import { SyncExecutor } from './sync.executor';
import { SyncMetrics } from './sync.metrics';
import { SyncPoller } from './sync.poller';

@Module({
  imports: [PoolsModule],
  controllers: [SyncPolicyController],
  providers: [ServerReconciler, SyncExecutor, SyncPoller, SyncMetrics, SyncPolicyService],
  exports: [ServerReconciler, SyncPoller],
})
export class SyncModule {}
