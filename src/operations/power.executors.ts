import { Injectable, OnModuleInit } from '@nestjs/common';
import { ExecutorRegistry } from './executor.registry';
import type { OperationRun } from './operation.run';

/**
 * Start, stop and restart. Each executor resumes from the server's current
 * status, so a replica that takes over a half-done operation continues it.
 */
export async function startExecutor(run: OperationRun): Promise<void> {
  await run.call('power on', () => run.provider.powerOn(run.op.serverId));
  await run.waitForPower('ON');
  await run.succeed({ status: 'RUNNING', reason: 'powered on' });
}

export async function stopExecutor(run: OperationRun): Promise<void> {
  const force = run.params.force === true;
  await run.call('power off', () => run.provider.powerOff(run.op.serverId, { force }));
  await run.waitForPower('OFF');
  await run.succeed({ status: 'STOPPED', reason: force ? 'forced power-off' : 'graceful shutdown' });
}

export async function restartExecutor(run: OperationRun): Promise<void> {
  const hard = run.params.type === 'HARD';
  let server = await run.server();
  if (server.status === 'STOPPING') {
    await run.call('power off', () => run.provider.powerOff(run.op.serverId, { force: hard }));
    await run.waitForPower('OFF');
    server = await run.transition('STARTING', { reason: 'restart: powered off, booting', step: 'POWER_ON' });
  }
  await run.call('power on', () => run.provider.powerOn(run.op.serverId));
  await run.waitForPower('ON');
  await run.succeed({ status: 'RUNNING', reason: 'restart: booted' });
}

@Injectable()
export class PowerExecutors implements OnModuleInit {
  constructor(private readonly registry: ExecutorRegistry) {}

  onModuleInit(): void {
    this.registry.register('START', startExecutor);
    this.registry.register('STOP', stopExecutor);
    this.registry.register('RESTART', restartExecutor);
  }
}
