import { Injectable } from '@nestjs/common';
import type { OperationType, Server } from '../generated/prisma/client';
import type { AuditInput } from '../audit/audit.writer';
import type { Tx } from '../database/prisma.service';
import type { OperationRun } from './operation.run';

/** Runs one operation to its end: either run.succeed(...) or throws. */
export type OperationExecutor = (run: OperationRun) => Promise<void>;

/**
 * Extra writes when an operation of this type ends FAILED, in the same
 * transaction (e.g. marking a CREATING image FAILED). Runs for every failure,
 * including WORKER_LOST, which never reaches the executor.
 */
export type FailureHook = (tx: Tx, run: OperationRun, error: { code: string; message: string }, server: Server) => Promise<AuditInput[] | void>;

/** Each domain module registers the executors of its operation types here. */
@Injectable()
export class ExecutorRegistry {
  private readonly executors = new Map<OperationType, OperationExecutor>();
  private readonly failureHooks = new Map<OperationType, FailureHook>();
  private readonly failStatuses = new Map<OperationType, 'ERROR'>();

  /** `failStatus: 'ERROR'`: a failure leaves the server in ERROR rather than in the status its power state suggests. */
  register(type: OperationType, executor: OperationExecutor, opts: { onFail?: FailureHook; failStatus?: 'ERROR' } = {}): void {
    this.executors.set(type, executor);
    if (opts.onFail) this.failureHooks.set(type, opts.onFail);
    if (opts.failStatus) this.failStatuses.set(type, opts.failStatus);
  }

  onFail(type: OperationType): FailureHook | undefined {
    return this.failureHooks.get(type);
  }

  failStatus(type: OperationType): 'ERROR' | undefined {
    return this.failStatuses.get(type);
  }

  get(type: OperationType): OperationExecutor | undefined {
    return this.executors.get(type);
  }
}
