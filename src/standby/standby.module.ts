import { Module } from '@nestjs/common';
import { FailoverController } from './failover.controller';
import { FailoverService } from './failover.service';
import { HotStandbyController } from './hot-standby.controller';
import { HotStandbyService } from './hot-standby.service';

@Module({
  controllers: [HotStandbyController, FailoverController],
  providers: [HotStandbyService, FailoverService],
  exports: [FailoverService, HotStandbyService],
})
export class StandbyModule {}
