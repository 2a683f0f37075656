import { Injectable } from '@nestjs/common';
import type { RequestContext } from '../common/request-context';
import { Accepted, OperationsService } from '../operations/operations.service';

/** The power lifecycle actions, shared by REST and GraphQL. */
@Injectable()
export class ServerActionsService {
  constructor(private readonly operations: OperationsService) {}

  start(ctx: RequestContext, serverId: string, idempotencyKey?: string): Promise<Accepted> {
    return this.operations.request(ctx, { action: 'start', type: 'START', serverId, idempotencyKey });
  }

  stop(ctx: RequestContext, serverId: string, force: boolean, idempotencyKey?: string): Promise<Accepted> {
    return this.operations.request(ctx, { action: 'stop', type: 'STOP', serverId, params: { force }, idempotencyKey });
  }

  restart(ctx: RequestContext, serverId: string, type: 'SOFT' | 'HARD', idempotencyKey?: string): Promise<Accepted> {
    return this.operations.request(ctx, { action: 'restart', type: 'RESTART', serverId, params: { type }, idempotencyKey });
  }

  sync(ctx: RequestContext, serverId: string, idempotencyKey?: string): Promise<Accepted> {
    return this.operations.request(ctx, { action: 'sync', type: 'SYNC', serverId, idempotencyKey });
  }
}
