import { Injectable, OnModuleInit } from '@nestjs/common';
import { ExecutorRegistry } from '../operations/executor.registry';
import { OperationFailure, OperationRun, WORKER_ACTOR } from '../operations/operation.run';
import { statusForPower } from '../servers/server.state-machine';
import { MaintenanceService } from './maintenance.service';

/**
 * UPGRADE and REPAIR. Both finish with their own terminal write when the
 * provider fails, because OperationRun.fail() would otherwise take the status
 * from the power state, and a failed upgrade or repair leaves a suspect
 * machine: ERROR with the reason.
 */
@Injectable()
export class MaintenanceExecutors implements OnModuleInit {
  constructor(
    private readonly registry: ExecutorRegistry,
    private readonly maintenance: MaintenanceService,
  ) {}

  onModuleInit(): void {
    // A failed upgrade or repair leaves a suspect machine: ERROR, whatever its power state.
    this.registry.register('UPGRADE', (run) => this.upgrade(run), { failStatus: 'ERROR' });
    this.registry.register('REPAIR', (run) => this.repair(run), {
      failStatus: 'ERROR',
      onFail: (tx, run, error, server) =>
        this.maintenance.failRepairIfOpen(tx, String(run.params.maintenanceEventId), server, WORKER_ACTOR, `${error.code}: ${error.message}`, {
          operationId: run.op.id,
          requestId: run.op.requestId,
        }),
    });
  }

  /** UPGRADING until the provider finishes; then the status the hardware shows (power is untouched, so the previous one) with the new version. */
  async upgrade(run: OperationRun): Promise<void> {
    const component = run.params.component as 'DRIVER' | 'FIRMWARE';
    const version = String(run.params.version);
    try {
      await run.runProviderTask({ kind: 'UPGRADE', component, version });
      const power = await run.call('power state', () => run.provider.getPowerState(run.op.serverId));
      if (power !== 'ON' && power !== 'OFF') throw new OperationFailure('UPGRADE_FAILED', `Machine is ${power} after the upgrade`);
      await run.succeed({
        status: statusForPower(power),
        reason: `${component.toLowerCase()} upgraded to ${version}`,
        data: component === 'DRIVER' ? { driverVersion: version } : { firmwareVersion: version },
      });
    } catch (e) {
      if (!(e instanceof OperationFailure)) throw e;
      await run.fail(e.code, `${component} upgrade to ${version} failed: ${e.message}`, { status: 'ERROR' });
    }
  }

  async repair(run: OperationRun): Promise<void> {
    const eventId = String(run.params.maintenanceEventId);
    const meta = { operationId: run.op.id, requestId: run.op.requestId };
    const event = await this.maintenance.eventStatus(eventId);
    if (event === 'AUTHORIZED') {
      // Another operation may hold the server; the repair waits for it to finish.
      await run.waitFor('the server to be free for repair', async () => {
        const s = await run.server();
        return s.task === null || s.task === 'REPAIRING' ? true : undefined;
      });
      await run.transition('ERROR', {
        task: 'REPAIRING',
        step: 'REPAIR',
        reason: `taken out of service for repair (maintenance event ${eventId})`,
        data: { statusReason: `In repair: maintenance event ${eventId}` },
        extra: (tx, server) => this.maintenance.startRepair(tx, eventId, server, WORKER_ACTOR, meta),
      });
    } else if (event !== 'IN_REPAIR') {
      throw new OperationFailure('INVALID_STATE', `Maintenance event ${eventId} is ${event ?? 'gone'}`);
    }
    try {
      await run.runProviderTask({ kind: 'REPAIR' });
      // A repaired node comes back powered off and is not started automatically.
      if ((await run.call('power state', () => run.provider.getPowerState(run.op.serverId))) !== 'OFF') {
        await run.call('power off', () => run.provider.powerOff(run.op.serverId, { force: false }));
        await run.waitForPower('OFF');
      }
    } catch (e) {
      if (!(e instanceof OperationFailure)) throw e;
      await run.fail(e.code, `Repair failed: ${e.message}`, {
        status: 'ERROR',
        extra: (tx, server) => this.maintenance.closeRepair(tx, eventId, 'fail', server, WORKER_ACTOR, `${e.code}: ${e.message}`, meta),
      });
      return;
    }
    await run.succeed({
      status: 'STOPPED',
      reason: 'repaired: node restored, powered off',
      extra: (tx, server) => this.maintenance.closeRepair(tx, eventId, 'complete', server, WORKER_ACTOR, 'repair reported done by the provider', meta),
    });
  }
}
