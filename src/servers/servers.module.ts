import { Global, Module } from '@nestjs/common';
import { ServerActionsService } from './server-actions.service';
import { ServerBatchController } from './server-batch.controller';
import { ServerBatchService } from './server-batch.service';
import { ServersController } from './servers.controller';
import { ServersService } from './servers.service';

@Global()
@Module({
  controllers: [ServersController, ServerBatchController],
  providers: [ServersService, ServerActionsService, ServerBatchService],
  exports: [ServersService, ServerActionsService],
})
export class ServersModule {}
