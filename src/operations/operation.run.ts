import type { Operation, Prisma, Server } from '../generated/prisma/client';
import { AuditInput, AuditWriter } from '../audit/audit.writer';
import type { AppConfig } from '../config/config';
import { PrismaService, Tx } from '../database/prisma.service';
import {
  InfrastructureProvider,
  ProviderTaskRequest,
  providerErrorCode,
  withTimeout,
} from '../providers/provider.interface';
import { canTransition, PowerState, ServerStatus, ServerTask, statusForPower } from '../servers/server.state-machine';
import { ServersService } from '../servers/servers.service';
import { auditAction } from './operations.service';
import { notifyOperationChanged } from '../events/change-events';
import type { ServerAction } from '../servers/server.state-machine';

export const WORKER_ACTOR = { type: 'SYSTEM', id: 'system:operation-worker', name: 'operation worker' };

/** The claim was lost (lease expired and another replica took over). */
export class LeaseLost extends Error {}

/** A failure with a stable code, ending the operation FAILED. */
export class OperationFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ACTION_OF: Record<Operation['type'], ServerAction> = {
  START: 'start',
  STOP: 'stop',
  RESTART: 'restart',
  SYNC: 'sync',
  SWITCH_OS: 'switch-os',
  RESET_OS: 'reset-os',
  CREATE_IMAGE: 'create-image',
  UPGRADE: 'upgrade',
  FAILOVER: 'sync',
  REPAIR: 'repair',
};

export const operationAuditAction = (op: Pick<Operation, 'type'>) =>
  op.type === 'FAILOVER' ? 'server.failover' : auditAction(ACTION_OF[op.type]);

export interface RunDeps {
  prisma: PrismaService;
  audit: AuditWriter;
  servers: ServersService;
  provider: InfrastructureProvider;
  config: AppConfig;
  owner: string;
  /** Called after an outcome commits (metrics). */
  onFinished?: (op: Operation, outcome: 'SUCCEEDED' | 'FAILED') => void;
}

/**
 * One execution of a claimed operation. Every write checks that this replica
 * still holds the lease, so a worker that lost its claim cannot clobber the one
 * that took over. Provider calls happen outside transactions and are bounded.
 */
export class OperationRun {
  constructor(
    readonly op: Operation,
    private readonly d: RunDeps,
  ) {}

  /** SYNC runs beside other work (allowed during a task), so it never owns the server's task. */
  get ownsServer(): boolean {
    return this.op.type !== 'SYNC';
  }

  get provider(): InfrastructureProvider {
    return this.d.provider;
  }

  get params(): Record<string, unknown> {
    return (this.op.params ?? {}) as Record<string, unknown>;
  }

  server(): Promise<Server> {
    return this.d.prisma.server.findUniqueOrThrow({ where: { id: this.op.serverId } });
  }

  /** Bounded provider call; errors become OperationFailure with the provider's code. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(what, this.d.config.worker.providerCallTimeoutMs, fn());
    } catch (e) {
      if (e instanceof OperationFailure || e instanceof LeaseLost) throw e;
      throw new OperationFailure(providerErrorCode(e), (e as Error).message);
    }
  }

  private async holdLease(tx: Tx, step?: string): Promise<void> {
    const n = await tx.$executeRaw`
      UPDATE operations SET "leaseExpiresAt" = now() + make_interval(secs => ${this.d.config.worker.leaseMs / 1000}::float8),
        step = COALESCE(${step ?? null}::text, step), "updatedAt" = now()
      WHERE id = ${this.op.id} AND "leaseOwner" = ${this.d.owner} AND status = 'RUNNING'`;
    if (n === 0) throw new LeaseLost(`lease on ${this.op.id} lost`);
  }

  /** Renews the lease; throws LeaseLost if another replica owns it now. */
  heartbeat(step?: string): Promise<void> {
    return this.holdLease(this.d.prisma, step);
  }

  /** Moves the server to `to` (CAS, state machine checked) with its audit row. */
  async transition(
    to: ServerStatus,
    opts: { task?: ServerTask | null; reason: string; step?: string; data?: Prisma.ServerUpdateManyMutationInput; extra?: (tx: Tx, server: Server) => Promise<AuditInput[] | void> },
  ): Promise<Server> {
    return this.d.prisma.$transaction(async (tx) => {
      await this.holdLease(tx, opts.step);
      const server = await tx.server.findUniqueOrThrow({ where: { id: this.op.serverId } });
      const updated = await this.d.servers.casUpdate(tx, server, { status: to, task: opts.task, data: opts.data });
      if (!updated) throw new LeaseLost(`server ${server.id} changed under operation ${this.op.id}`);
      const extra = (await opts.extra?.(tx, updated)) ?? [];
      const rows = server.status !== to ? [this.transitionAudit(server, to, opts.reason)] : [];
      await this.d.audit.append(tx, [...rows, ...extra]);
      return updated;
    });
  }

  private transitionAudit(server: Server, to: ServerStatus, reason: string): AuditInput {
    return {
      type: 'STATE_TRANSITION',
      action: operationAuditAction(this.op),
      outcome: 'SUCCEEDED',
      actor: WORKER_ACTOR,
      resource: { type: 'server', id: server.id, name: server.name },
      poolId: server.poolId,
      operationId: this.op.id,
      requestId: this.op.requestId,
      fromStatus: server.status,
      toStatus: to,
      reason,
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  private get pollMs(): number {
    return Math.min(500, Math.max(10, Math.floor(this.d.config.simulator.transitionMs / 5)));
  }

  /** Polls until `done` returns a value, renewing the lease; times out with a clear error. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + this.d.config.worker.operationTimeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new OperationFailure('OPERATION_TIMEOUT', `Timed out waiting for ${what}`);
      await this.heartbeat();
      await this.sleep(this.pollMs);
    }
  }

  waitForPower(target: 'ON' | 'OFF'): Promise<PowerState> {
    return this.waitFor(`power ${target}`, async () => {
      const p = await this.call('power state', () => this.provider.getPowerState(this.op.serverId));
      return p === target ? p : undefined;
    });
  }

  async runProviderTask(request: ProviderTaskRequest): Promise<void> {
    const taskId = await this.call(`start ${request.kind}`, () => this.provider.startTask(this.op.serverId, request));
    await this.waitFor(request.kind, async () => {
      const t = await this.call(`${request.kind} status`, () => this.provider.getTask(taskId));
      if (t.state === 'FAILED') throw new OperationFailure(`${request.kind}_FAILED`, t.message);
      return t.state === 'SUCCEEDED' ? true : undefined;
    });
  }

  /** Ends the operation SUCCEEDED, with the server's final state, atomically. */
  async succeed(final: { status?: ServerStatus; reason: string; data?: Prisma.ServerUpdateManyMutationInput; details?: Record<string, unknown>; extra?: (tx: Tx, server: Server) => Promise<AuditInput[] | void> }): Promise<void> {
    await this.d.prisma.$transaction(async (tx) => {
      await this.holdLease(tx);
      const server = await tx.server.findUniqueOrThrow({ where: { id: this.op.serverId } });
      const to = final.status ?? server.status;
      const updated = this.ownsServer ? await this.d.servers.casUpdate(tx, server, { status: to, task: null, statusReason: null, data: final.data }) : server;
      if (!updated) throw new LeaseLost(`server ${server.id} changed under operation ${this.op.id}`);
      await tx.operation.update({ where: { id: this.op.id }, data: { status: 'SUCCEEDED', finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null } });
      await notifyOperationChanged(tx, { operationId: this.op.id, serverId: this.op.serverId, type: this.op.type, status: 'SUCCEEDED' });
      const extra = (await final.extra?.(tx, updated)) ?? [];
      const rows: AuditInput[] = [];
      if (server.status !== to) rows.push(this.transitionAudit(server, to, final.reason));
      rows.push({ ...this.transitionAudit(server, to, final.reason), type: 'ACTION', outcome: 'SUCCEEDED', fromStatus: null, toStatus: null, details: final.details ?? null });
      await this.d.audit.append(tx, [...rows, ...extra]);
    });
    this.d.onFinished?.(this.op, 'SUCCEEDED');
  }

  /**
   * The status the hardware's power state shows. A machine still powering on or
   * off is given up to PROVIDER_CALL_TIMEOUT_MS to settle; ERROR when it does not
   * or cannot be read.
   */
  private async observedStatus(reason: string): Promise<{ observed: ServerStatus; reason: string }> {
    const budget = this.d.config.worker.providerCallTimeoutMs;
    const deadline = Date.now() + budget;
    try {
      for (;;) {
        const power = await withTimeout('power state', budget, this.provider.getPowerState(this.op.serverId));
        if (power === 'ON' || power === 'OFF') return { observed: statusForPower(power), reason };
        if (Date.now() > deadline) return { observed: 'ERROR', reason: `${reason}; power still ${power}` };
        await this.sleep(this.pollMs);
      }
    } catch (e) {
      return { observed: 'ERROR', reason: `${reason}; power state unknown (${(e as Error).message})` };
    }
  }

  /**
   * Ends the operation FAILED with a clear error, leaving the server in a
   * truthful status: what the hardware reports, or ERROR when it cannot tell.
   */
  async fail(
    code: string,
    message: string,
    opts: { extra?: (tx: Tx, server: Server) => Promise<AuditInput[] | void>; requireLease?: boolean; status?: 'ERROR' } = {},
  ): Promise<void> {
    // `status: 'ERROR'` for failures that leave the machine suspect whatever its power (a failed upgrade).
    const { observed, reason } =
      this.ownsServer && !opts.status ? await this.observedStatus(`${code}: ${message}`) : { observed: 'ERROR' as ServerStatus, reason: `${code}: ${message}` };
    await this.d.prisma.$transaction(async (tx) => {
      if (opts.requireLease !== false) await this.holdLease(tx);
      const server = await tx.server.findUniqueOrThrow({ where: { id: this.op.serverId } });
      const to = !this.ownsServer ? server.status : server.status === observed || canTransition(server.status, observed) ? observed : 'ERROR';
      const updated = !this.ownsServer
        ? server
        : await this.d.servers.casUpdate(tx, server, { status: to, task: null, statusReason: to === 'ERROR' ? reason.slice(0, 500) : null });
      if (!updated) throw new LeaseLost(`server ${server.id} changed under operation ${this.op.id}`);
      await tx.operation.update({
        where: { id: this.op.id },
        data: { status: 'FAILED', errorCode: code, errorMessage: message.slice(0, 1000), finishedAt: new Date(), leaseOwner: null, leaseExpiresAt: null },
      });
      await notifyOperationChanged(tx, { operationId: this.op.id, serverId: this.op.serverId, type: this.op.type, status: 'FAILED' });
      const extra = (await opts.extra?.(tx, updated)) ?? [];
      const rows: AuditInput[] = [];
      if (server.status !== to) rows.push(this.transitionAudit(server, to, reason));
      rows.push({ ...this.transitionAudit(server, to, reason), type: 'ACTION', outcome: 'FAILED', fromStatus: null, toStatus: null, details: { errorCode: code, errorMessage: message } });
      await this.d.audit.append(tx, [...rows, ...extra]);
    });
    this.d.onFinished?.(this.op, 'FAILED');
  }
}
