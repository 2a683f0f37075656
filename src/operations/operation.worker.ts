import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Operation } from '../generated/prisma/client';
import { AuditWriter } from '../audit/audit.writer';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { OperationMetrics } from '../metrics/operation-metrics';
import { INFRASTRUCTURE_PROVIDER, InfrastructureProvider } from '../providers/provider.interface';
import { ServersService } from '../servers/servers.service';
import { ExecutorRegistry } from './executor.registry';
import { OPERATION_CHANNEL } from '../events/change-events';
import { LeaseLost, OperationFailure, OperationRun } from './operation.run';

/**
 * Executes operations from the `operations` table (an outbox). Claims use
 * FOR UPDATE SKIP LOCKED with a lease on the database clock, so replicas share
 * the work and a crashed replica's operations are resumed (or failed with
 * WORKER_LOST after too many attempts) once its lease expires.
 */
@Injectable()
export class OperationWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OperationWorker');
  private readonly inflight = new Map<string, Promise<void>>();
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(
    private readonly prisma: PrismaService,
    private readonly audit: AuditWriter,
    private readonly servers: ServersService,
    private readonly registry: ExecutorRegistry,
    @Inject(INFRASTRUCTURE_PROVIDER) private readonly provider: InfrastructureProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: OperationMetrics,
  ) {}

  get owner(): string {
    return this.config.instanceId;
  }

  onApplicationBootstrap(): void {
    if (this.config.worker.enabled) this.start();
  }

  /** Runs before the database closes (PrismaService closes on application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming, gives in-flight operations SHUTDOWN_TIMEOUT_MS to finish,
   *  then releases the rest (lease cleared) so another replica resumes them now
   *  rather than when the lease would have expired. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.inflight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.allSettled([...this.inflight.values()]).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.config.shutdownTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!drained) await this.release();
  }

  /** Hands this replica's unfinished operations back; a voluntary release does not count as an attempt. */
  async release(): Promise<number> {
    const released = await this.prisma.$executeRaw`
      UPDATE operations SET "leaseOwner" = NULL, "leaseExpiresAt" = now() - interval '1 millisecond',
        attempts = GREATEST(attempts - 1, 0), "updatedAt" = now()
      WHERE status = 'RUNNING' AND "leaseOwner" = ${this.owner}`;
    if (released) this.logger.warn(`released ${released} unfinished operation(s) to other replicas`);
    return released;
  }

  /** Wake the loop now (an operation was just accepted by this replica). */
  kick(): void {
    this.wake?.();
  }

  get busy(): number {
    return this.inflight.size;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const free = this.config.worker.concurrency - this.inflight.size;
        if (free > 0) {
          for (const op of await this.claim(free)) {
            const p = this.execute(op).finally(() => {
              this.inflight.delete(op.id);
              this.kick();
            });
            this.inflight.set(op.id, p);
          }
        }
      } catch (e) {
        this.logger.warn(`claim failed: ${(e as Error).message}`);
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, this.config.worker.pollMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Claims due operations: new ones, and running ones whose lease expired. */
  async claim(limit: number): Promise<Operation[]> {
    const leaseSecs = this.config.worker.leaseMs / 1000;
    // The claim and its change notifications are one statement, hence one transaction.
    return this.prisma.$queryRaw<Operation[]>`
      WITH claimed AS (
      UPDATE operations o SET status = 'RUNNING', "leaseOwner" = ${this.owner},
        "leaseExpiresAt" = now() + make_interval(secs => ${leaseSecs}::float8),
        attempts = o.attempts + 1, "startedAt" = COALESCE(o."startedAt", now()), "updatedAt" = now()
      WHERE o.id IN (
        SELECT id FROM operations
        WHERE (status = 'PENDING' AND "notBefore" <= now())
           OR (status = 'RUNNING' AND "leaseExpiresAt" < now())
        ORDER BY "createdAt"
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING o.*)
      SELECT c.* FROM claimed c
      CROSS JOIN LATERAL (SELECT pg_notify(${OPERATION_CHANNEL}, json_build_object(
        'operationId', c.id, 'serverId', c."serverId", 'type', c.type, 'status', c.status,
        'poolId', (SELECT "poolId" FROM servers WHERE id = c."serverId"))::text)) n`;
  }

  private deps() {
    return {
      prisma: this.prisma,
      audit: this.audit,
      servers: this.servers,
      provider: this.provider,
      config: this.config,
      owner: this.owner,
      onFinished: (op: Operation, outcome: 'SUCCEEDED' | 'FAILED') => this.metrics.finishedOne(op.type, outcome),
    };
  }

  async execute(op: Operation): Promise<void> {
    const run = new OperationRun(op, this.deps());
    try {
      if (op.attempts > this.config.worker.maxAttempts) {
        throw new OperationFailure('WORKER_LOST', `Operation abandoned by its worker ${op.attempts - 1} time(s)`);
      }
      const executor = this.registry.get(op.type);
      if (!executor) throw new OperationFailure('NOT_SUPPORTED', `No executor for ${op.type}`);
      await executor(run);
    } catch (e) {
      if (e instanceof LeaseLost) {
        this.logger.warn(e.message);
        return;
      }
      const code = e instanceof OperationFailure ? e.code : 'INTERNAL';
      const message = e instanceof OperationFailure ? e.message : 'Internal error while executing the operation';
      if (!(e instanceof OperationFailure)) this.logger.error(`operation ${op.id} crashed: ${(e as Error).stack}`);
      try {
        const onFail = this.registry.onFail(op.type);
        await run.fail(code, message, { status: this.registry.failStatus(op.type), extra: onFail && ((tx, server) => onFail(tx, run, { code, message }, server)) });
      } catch (f) {
        if (!(f instanceof LeaseLost)) this.logger.error(`could not fail operation ${op.id}: ${(f as Error).message}`);
      }
    }
  }
}
