import { Global, Module } from '@nestjs/common';
import { ExecutorRegistry } from './executor.registry';
import { OperationWorker } from './operation.worker';
import { OperationsController } from './operations.controller';
import { OperationsService } from './operations.service';
import { PowerExecutors } from './power.executors';

@Global()
@Module({
  controllers: [OperationsController],
  providers: [OperationsService, OperationWorker, ExecutorRegistry, PowerExecutors],
  exports: [OperationsService, OperationWorker, ExecutorRegistry],
})
export class OperationsModule {}
