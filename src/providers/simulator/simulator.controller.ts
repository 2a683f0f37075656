import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { IsBoolean, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { RequirePermission } from '../../auth/decorators';
import { DomainError } from '../../common/errors';
import { SIM_COMMANDS, SimCommand, SimulatorProvider } from './simulator.provider';

export class PowerStateDto {
  @IsIn(['ON', 'OFF']) state: 'ON' | 'OFF';
}
export class FaultDto {
  @IsString() @MinLength(1) @MaxLength(64) component: string;
  @IsIn(['MINOR', 'MAJOR', 'CRITICAL']) severity: 'MINOR' | 'MAJOR' | 'CRITICAL';
  @IsString() @MinLength(1) @MaxLength(1000) description: string;
}
export class ReachabilityDto {
  @IsBoolean() reachable: boolean;
}
export class HangDto {
  @IsBoolean() hang: boolean;
}
export class FailNextDto {
  @IsIn(SIM_COMMANDS) command: SimCommand;
  @IsString() @MaxLength(500) message: string;
}

/**
 * Admin-only routes that play the hardware's side of the simulated fleet,
 * mounted only when the simulator is the provider.
 */
@Controller('v1/simulator/servers')
export class SimulatorController {
  constructor(private readonly sim: SimulatorProvider) {}

  private async known(id: string) {
    try {
      return await this.sim.inspect(id);
    } catch {
      throw new DomainError('NOT_FOUND', `Simulated machine ${id} not found`, { resource: 'SimulatedMachine', id });
    }
  }

  @Post(':id/inspect')
  @HttpCode(200)
  @RequirePermission('simulator:control')
  inspect(@Param('id') id: string) {
    return this.known(id);
  }

  @Post(':id/power-state')
  @HttpCode(200)
  @RequirePermission('simulator:control')
  async power(@Param('id') id: string, @Body() b: PowerStateDto) {
    await this.known(id);
    await this.sim.setPower(id, b.state);
    return this.sim.inspect(id);
  }

  @Post(':id/faults')
  @HttpCode(200)
  @RequirePermission('simulator:control')
  async fault(@Param('id') id: string, @Body() b: FaultDto) {
    await this.known(id);
    const fault = await this.sim.injectFault(id, b);
    return { fault, machine: await this.sim.inspect(id) };
  }

  @Post(':id/reachability')
  @HttpCode(200)
  @RequirePermission('simulator:control')
  async reachability(@Param('id') id: string, @Body() b: ReachabilityDto) {
    await this.known(id);
    await this.sim.setReachable(id, b.reachable);
    return this.sim.inspect(id);
  }

  @Post(':id/hang')
  @HttpCode(200)
  @RequirePermission('simulator:control')
  async hang(@Param('id') id: string, @Body() b: HangDto) {
    await this.known(id);
    await this.sim.setHang(id, b.hang);
    return this.sim.inspect(id);
  }

  @Post(':id/fail-next')
  @HttpCode(200)
  @RequirePermission('simulator:control')
  async failNext(@Param('id') id: string, @Body() b: FailNextDto) {
    await this.known(id);
    await this.sim.failNext(id, b.command, b.message);
    return this.sim.inspect(id);
  }
}
