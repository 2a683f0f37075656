import { Injectable } from '@nestjs/common';
import type { OperationType } from '../generated/prisma/client';
import type { OperationRun } from './operation.run';

/** Runs one operation to its end: either run.succeed(...) or throws. */
export type OperationExecutor = (run: OperationRun) => Promise<void>;

/** Each domain module registers the executors of its operation types here. */
@Injectable()
export class ExecutorRegistry {
  private readonly executors = new Map<OperationType, OperationExecutor>();

  register(type: OperationType, executor: OperationExecutor): void {
    this.executors.set(type, executor);
  }

  get(type: OperationType): OperationExecutor | undefined {
    return this.executors.get(type);
  }
}
