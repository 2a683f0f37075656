import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { INFRASTRUCTURE_PROVIDER } from './provider.interface';
import { SimulatorController } from './simulator/simulator.controller';
import { SimulatorProvider } from './simulator/simulator.provider';

/** Chooses the infrastructure driver from configuration. Only the simulator
 *  exists today; its control routes are mounted only when it is the driver. */
@Global()
@Module({})
export class ProvidersModule {
  static forRoot(config: AppConfig): DynamicModule {
    const simulator = config.provider === 'simulator';
    return {
      module: ProvidersModule,
      controllers: simulator ? [SimulatorController] : [],
      providers: [SimulatorProvider, { provide: INFRASTRUCTURE_PROVIDER, useExisting: SimulatorProvider }],
      exports: [SimulatorProvider, INFRASTRUCTURE_PROVIDER],
    };
  }
}
