import { Global, Module } from '@nestjs/common';
import { StandbyModule } from '../standby/standby.module';
import { FaultsController } from './faults.controller';
import { FaultsService } from './faults.service';
import { MaintenanceController } from './maintenance.controller';
import { MaintenanceExecutors } from './maintenance.executors';
import { MaintenanceService } from './maintenance.service';
import { UpgradesController } from './upgrades.controller';

@Global()
@Module({
  imports: [StandbyModule],
  controllers: [MaintenanceController, FaultsController, UpgradesController],
  providers: [FaultsService, MaintenanceService, MaintenanceExecutors],
  exports: [FaultsService, MaintenanceService],
})
export class MaintenanceModule {}
