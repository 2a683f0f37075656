import { Global, Module } from '@nestjs/common';
import { FaultsService } from './faults.service';

@Global()
@Module({ providers: [FaultsService], exports: [FaultsService] })
export class MaintenanceModule {}
