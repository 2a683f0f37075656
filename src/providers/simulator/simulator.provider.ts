import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { PrismaService } from '../../database/prisma.service';
import { newId } from '../../common/ids';
import type { PowerState } from '../../servers/server.state-machine';
import {
  Health,
  HardwareFault,
  InfrastructureProvider,
  ProviderCommandError,
  ProviderTaskRequest,
  ProviderTaskStatus,
  ProviderUnreachableError,
} from '../provider.interface';

/**
 * A simulated fleet of bare-metal machines. Its "hardware" record lives in its
 * own `simulator` schema, apart from the console's tables, so console and
 * hardware can drift exactly as real ones do, and every replica on the same
 * database sees one fleet. Transitions settle on the database clock after
 * SIMULATOR_TRANSITION_MS.
 */
export interface SimMachineSeed {
  id: string;
  power: 'ON' | 'OFF';
  imageId: string;
  driverVersion: string;
  firmwareVersion: string;
}

const DDL = `
CREATE SCHEMA IF NOT EXISTS simulator;
CREATE TABLE IF NOT EXISTS simulator.machines (
  id text PRIMARY KEY,
  power text NOT NULL,
  target text,
  settles_at timestamptz,
  reachable boolean NOT NULL DEFAULT true,
  hang boolean NOT NULL DEFAULT false,
  faults jsonb NOT NULL DEFAULT '[]',
  fail_next jsonb NOT NULL DEFAULT '{}',
  image_id text,
  driver_version text,
  firmware_version text,
  power_reads bigint NOT NULL DEFAULT 0,
  latency_ms integer NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS simulator.tasks (
  id text PRIMARY KEY,
  machine_id text NOT NULL,
  kind text NOT NULL,
  params jsonb NOT NULL,
  settles_at timestamptz NOT NULL,
  failure text,
  applied boolean NOT NULL DEFAULT false
);
`;

/** The commands a test may make fail once, through the control routes. */
export const SIM_COMMANDS = ['POWER_ON', 'POWER_OFF', 'INSTALL_OS', 'CAPTURE_IMAGE', 'UPGRADE', 'REPAIR'] as const;
export type SimCommand = (typeof SIM_COMMANDS)[number];

interface MachineRow {
  id: string;
  power: string;
  target: string | null;
  settled: boolean;
  reachable: boolean;
  hang: boolean;
  faults: HardwareFault[];
  fail_next: Record<string, string>;
  latency_ms: number;
}

@Injectable()
export class SimulatorProvider implements InfrastructureProvider, OnModuleInit {
  readonly name = 'simulator';

  constructor(
    private readonly prisma: PrismaService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const client = await this.prisma.pg.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(72707372)');
      await client.query(DDL);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  private get transition(): string {
    return `${this.config.simulator.transitionMs} milliseconds`;
  }

  /** Reads a machine, settling any finished transition first. Behaves like a BMC:
   *  unreachable → error, hung → never answers, artificial latency honoured. */
  private async machine(id: string, countRead = false): Promise<MachineRow> {
    const { rows } = await this.prisma.pg.query<MachineRow>(
      `UPDATE simulator.machines SET
         power = CASE WHEN target IS NOT NULL AND settles_at <= now() THEN target ELSE power END,
         target = CASE WHEN target IS NOT NULL AND settles_at <= now() THEN NULL ELSE target END,
         power_reads = power_reads + $2
       WHERE id = $1
       RETURNING id, power, target, reachable, hang, faults, fail_next, latency_ms`,
      [id, countRead ? 1 : 0],
    );
    const m = rows[0];
    if (!m) throw new ProviderCommandError('MACHINE_NOT_FOUND', `No machine ${id} in the simulated fleet`);
    if (m.latency_ms > 0) await sleep(m.latency_ms);
    if (m.hang) await sleep(3_600_000);
    if (!m.reachable) throw new ProviderUnreachableError(id);
    return m;
  }

  /** A one-shot failure armed by a test for this command. */
  private async takeFailure(id: string, command: SimCommand): Promise<string | undefined> {
    const { rows } = await this.prisma.pg.query<{ msg: string | null }>(
      `UPDATE simulator.machines m SET fail_next = m.fail_next - $2::text
       FROM (SELECT fail_next ->> $2::text AS msg FROM simulator.machines WHERE id = $1 FOR UPDATE) f
       WHERE m.id = $1 RETURNING f.msg`,
      [id, command],
    );
    return rows[0]?.msg ?? undefined;
  }

  private async command(id: string, command: SimCommand, target: 'ON' | 'OFF', delay: string): Promise<void> {
    const m = await this.machine(id);
    const failure = await this.takeFailure(id, command);
    if (failure !== undefined) throw new ProviderCommandError(`${command}_FAILED`, failure || `${command} failed`);
    if (m.target === target || (m.target === null && m.power === target)) return; // idempotent
    await this.prisma.pg.query(
      `UPDATE simulator.machines SET target = $2, settles_at = now() + $3::interval WHERE id = $1`,
      [id, target, delay],
    );
  }

  powerOn(id: string): Promise<void> {
    return this.command(id, 'POWER_ON', 'ON', this.transition);
  }

  powerOff(id: string, opts: { force: boolean }): Promise<void> {
    // A hard power-off is immediate; a graceful one takes the OS's time.
    return this.command(id, 'POWER_OFF', 'OFF', opts.force ? '0 milliseconds' : this.transition);
  }

  async getPowerState(id: string): Promise<PowerState> {
    const m = await this.machine(id, true);
    if (m.target === 'ON') return 'POWERING_ON';
    if (m.target === 'OFF') return 'POWERING_OFF';
    return m.power === 'ON' ? 'ON' : 'OFF';
  }

  async getHealth(id: string): Promise<Health> {
    const m = await this.machine(id);
    return { faults: m.faults };
  }

  async startTask(id: string, task: ProviderTaskRequest): Promise<string> {
    await this.machine(id);
    const failure = await this.takeFailure(id, task.kind);
    const taskId = newId('simtask');
    await this.prisma.pg.query(
      `INSERT INTO simulator.tasks (id, machine_id, kind, params, settles_at, failure)
       VALUES ($1, $2, $3, $4, now() + $5::interval, $6)`,
      // A physical repair takes the crew's time (REPAIR_DURATION_MS), not a power transition's.
      [taskId, id, task.kind, JSON.stringify(task), task.kind === 'REPAIR' ? `${this.config.simulator.repairDurationMs} milliseconds` : this.transition, failure === undefined ? null : failure || `${task.kind} failed`],
    );
    return taskId;
  }

  async getTask(taskId: string): Promise<ProviderTaskStatus> {
    const { rows } = await this.prisma.pg.query<{ machine_id: string; kind: string; params: ProviderTaskRequest; settled: boolean; failure: string | null; applied: boolean }>(
      `SELECT machine_id, kind, params, settles_at <= now() AS settled, failure, applied FROM simulator.tasks WHERE id = $1`,
      [taskId],
    );
    const t = rows[0];
    if (!t) throw new ProviderCommandError('TASK_NOT_FOUND', `No simulator task ${taskId}`);
    await this.machine(t.machine_id);
    if (!t.settled) return { state: 'RUNNING' };
    if (t.failure) return { state: 'FAILED', message: t.failure };
    if (!t.applied) await this.applyTask(taskId, t.machine_id, t.params);
    return { state: 'SUCCEEDED' };
  }

  /** The machine-side effect of a finished task, applied once. */
  private async applyTask(taskId: string, machineId: string, p: ProviderTaskRequest): Promise<void> {
    const { rowCount } = await this.prisma.pg.query('UPDATE simulator.tasks SET applied = true WHERE id = $1 AND NOT applied', [taskId]);
    if (!rowCount) return;
    if (p.kind === 'INSTALL_OS') await this.update(machineId, 'image_id = $2', [p.imageId]);
    if (p.kind === 'UPGRADE') await this.update(machineId, p.component === 'DRIVER' ? 'driver_version = $2' : 'firmware_version = $2', [p.version]);
    // The crew hands a repaired machine back powered off.
    if (p.kind === 'REPAIR') await this.update(machineId, `faults = '[]'::jsonb, reachable = true, power = 'OFF', target = NULL, settles_at = NULL`, []);
  }

  // ---- the hardware's side, for the admin control routes and the seed ----

  async addMachines(machines: SimMachineSeed[]): Promise<void> {
    if (!machines.length) return;
    await this.prisma.pg.query(
      `INSERT INTO simulator.machines (id, power, image_id, driver_version, firmware_version)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (id) DO NOTHING`,
      [machines.map((m) => m.id), machines.map((m) => m.power), machines.map((m) => m.imageId), machines.map((m) => m.driverVersion), machines.map((m) => m.firmwareVersion)],
    );
  }

  /** Flips real power at once, behind the console's back. */
  async setPower(id: string, state: 'ON' | 'OFF'): Promise<void> {
    await this.update(id, 'power = $2, target = NULL, settles_at = NULL', [state]);
  }

  async setReachable(id: string, reachable: boolean): Promise<void> {
    await this.update(id, 'reachable = $2', [reachable]);
  }

  async setHang(id: string, hang: boolean): Promise<void> {
    await this.update(id, 'hang = $2', [hang]);
  }

  async setLatency(id: string | null, latencyMs: number): Promise<void> {
    if (id === null) await this.prisma.pg.query('UPDATE simulator.machines SET latency_ms = $1', [latencyMs]);
    else await this.update(id, 'latency_ms = $2', [latencyMs]);
  }

  async injectFault(id: string, fault: Omit<HardwareFault, 'id'>): Promise<HardwareFault> {
    const full: HardwareFault = { id: newId('hwfault'), ...fault };
    await this.update(id, `faults = faults || $2::jsonb`, [JSON.stringify([full])]);
    return full;
  }

  async clearFaults(id: string): Promise<void> {
    await this.update(id, `faults = '[]'::jsonb`, []);
  }

  /** Makes the next `command` on this machine fail with `message`. */
  async failNext(id: string, command: SimCommand, message: string): Promise<void> {
    await this.update(id, `fail_next = fail_next || jsonb_build_object($2::text, $3::text)`, [command, message]);
  }

  async inspect(id: string) {
    const { rows } = await this.prisma.pg.query(
      `SELECT id, CASE WHEN target IS NOT NULL AND settles_at <= now() THEN target ELSE power END AS power,
              CASE WHEN settles_at <= now() THEN NULL ELSE target END AS target,
              reachable, hang, faults, image_id AS "imageId", driver_version AS "driverVersion",
              firmware_version AS "firmwareVersion", power_reads::int AS "powerReads"
       FROM simulator.machines WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw new ProviderCommandError('MACHINE_NOT_FOUND', `No machine ${id} in the simulated fleet`);
    return rows[0] as { id: string; power: 'ON' | 'OFF'; target: string | null; reachable: boolean; hang: boolean; faults: HardwareFault[]; imageId: string; driverVersion: string; firmwareVersion: string; powerReads: number };
  }

  private async update(id: string, set: string, params: unknown[]): Promise<void> {
    const r = await this.prisma.pg.query(`UPDATE simulator.machines SET ${set} WHERE id = $1`, [id, ...params]);
    if (r.rowCount === 0) throw new ProviderCommandError('MACHINE_NOT_FOUND', `No machine ${id} in the simulated fleet`);
  }
}

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref();
  });
