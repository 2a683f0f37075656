import { Module } from '@nestjs/common';
import { FleetSeeder } from './fleet.seed';

@Module({ providers: [FleetSeeder], exports: [FleetSeeder] })
export class SeedModule {}
