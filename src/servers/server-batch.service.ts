import { Injectable } from '@nestjs/common';
import { toErrorBody, DomainError, ErrorBody } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import type { OperationView } from '../operations/operation.view';
import type { Accepted } from '../operations/operations.service';
import { ServerActionsService } from './server-actions.service';
import type { BatchAction } from './dto/batch-action.dto';

export type BatchItemResult =
  | { serverId: string; status: 202; accepted: true; replayed: boolean; operation: OperationView }
  | { serverId: string; status: number; accepted: false; error: ErrorBody['error'] };

export interface BatchResult {
  action: BatchAction;
  accepted: number;
  failed: number;
  results: BatchItemResult[];
}

export interface BatchRequest {
  action: BatchAction;
  serverIds: string[];
  force?: boolean;
  type?: 'SOFT' | 'HARD';
  idempotencyKey?: string;
}

/**
 * A batch is N independent single-server actions through the same path as
 * the single routes (state machine, CAS, idempotency, audit): one server's
 * refusal never undoes another's acceptance.
 */
@Injectable()
export class ServerBatchService {
  constructor(private readonly actions: ServerActionsService) {}

  async run(ctx: RequestContext, req: BatchRequest): Promise<BatchResult> {
    if (req.force !== undefined && req.action !== 'stop') throw fieldError('force', 'force applies to the stop action only');
    if (req.type !== undefined && req.action !== 'restart') throw fieldError('type', 'type applies to the restart action only');
    const results: BatchItemResult[] = [];
    // Sequential on purpose: bounded load on the pool and a deterministic audit order.
    for (const serverId of req.serverIds) {
      // Per-item key: replaying the batch with its key replays every item.
      const key = req.idempotencyKey ? `${req.idempotencyKey}:${serverId}`.slice(0, 255) : undefined;
      try {
        const a = await this.one(ctx, req, serverId, key);
        results.push({ serverId, status: 202, accepted: true, replayed: a.replayed, operation: a.operation });
      } catch (e) {
        const { status, body, unexpected } = toErrorBody(e);
        // A database outage mid-batch fails the whole request (503) rather than
        // reporting every later item as an error.
        if (unexpected || status === 503) throw e;
        results.push({ serverId, status, accepted: false, error: body.error });
      }
    }
    const accepted = results.filter((r) => r.accepted).length;
    return { action: req.action, accepted, failed: results.length - accepted, results };
  }

  private one(ctx: RequestContext, req: BatchRequest, serverId: string, key?: string): Promise<Accepted> {
    switch (req.action) {
      case 'start':
        return this.actions.start(ctx, serverId, key);
      case 'stop':
        return this.actions.stop(ctx, serverId, req.force === true, key);
      case 'restart':
        return this.actions.restart(ctx, serverId, req.type ?? 'SOFT', key);
    }
  }
}

const fieldError = (field: string, problem: string) =>
  new DomainError('VALIDATION_FAILED', `Invalid request: ${field} (${problem})`, { fields: [{ field, problems: [problem] }] });
