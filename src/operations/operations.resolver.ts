import { Args, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { RequirePermission } from '../auth/decorators';
import { canSeePool } from '../auth/principal';
import { encodeCursor } from '../common/pagination';
import type { RequestContext } from '../common/request-context';
import { OPERATION_CHANNEL, OperationChangedEvent } from '../events/change-events';
import { ChangeFeed } from '../events/change-feed';
import { toConnection } from '../graphql/connection';
import { GqlRequest, Loaders } from '../graphql/context';
import type { RequestLoaders } from '../graphql/loaders';
import { ServerModel } from '../servers/server.model';
import { OperationIdArgs, OperationsArgs, OperationUpdatedArgs } from './operation.args';
import { OperationConnection, OperationModel, OperationUpdate } from './operation.model';
import type { OperationView } from './operation.view';
import { OperationsService } from './operations.service';

@Resolver(() => OperationModel)
export class OperationsResolver {
  constructor(
    private readonly operationsService: OperationsService,
    private readonly feed: ChangeFeed,
  ) {}

  @Query(() => OperationConnection, { complexity: ({ args, childComplexity }) => 1 + childComplexity * (args.first ?? 50) })
  @RequirePermission('operations:read')
  async operations(@GqlRequest() ctx: RequestContext, @Args() a: OperationsArgs) {
    const page = await this.operationsService.list(ctx.principal, { ...a.filter, limit: a.first, cursor: a.after });
    return toConnection(page, (o) => encodeCursor([o.createdAt, o.id]));
  }

  @Query(() => OperationModel)
  @RequirePermission('operations:read')
  operation(@GqlRequest() ctx: RequestContext, @Args() a: OperationIdArgs) {
    return this.operationsService.get(ctx.principal, a.id);
  }

  @ResolveField(() => ServerModel, { nullable: true })
  @RequirePermission('servers:read')
  server(@Parent() o: OperationView, @Loaders() l: RequestLoaders) {
    return l.server(o.serverId);
  }

  @Subscription(() => OperationUpdate, {
    resolve: (e: OperationChangedEvent) => e,
    description: 'Committed operation status changes (PENDING, RUNNING, SUCCEEDED, FAILED), from every replica; only servers in your pools.',
  })
  @RequirePermission('operations:read')
  operationUpdated(@GqlRequest() ctx: RequestContext, @Args() a: OperationUpdatedArgs) {
    return this.feed.subscribe(OPERATION_CHANNEL, (e) => canSeePool(ctx.principal, e.poolId) && (!a.serverId || e.serverId === a.serverId));
  }
}

@Resolver(() => OperationUpdate)
export class OperationUpdateResolver {
  @ResolveField(() => OperationModel, { nullable: true, description: 'The operation as it is when the event is delivered.' })
  @RequirePermission('operations:read')
  operation(@GqlRequest() ctx: RequestContext, @Parent() e: OperationChangedEvent) {
    // One read per delivered event: subscriptions have no batch to share.
    return this.operationsService.get(ctx.principal, e.operationId);
  }

  constructor(private readonly operationsService: OperationsService) {}
}
