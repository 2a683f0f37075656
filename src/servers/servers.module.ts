import { Global, Module } from '@nestjs/common';
import { ServerActionsService } from './server-actions.service';
import { ServersController } from './servers.controller';
import { ServersService } from './servers.service';

@Global()
@Module({
  controllers: [ServersController],
  providers: [ServersService, ServerActionsService],
  exports: [ServersService, ServerActionsService],
})
export class ServersModule {}
