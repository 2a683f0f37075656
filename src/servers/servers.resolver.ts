import { Args, Mutation, Parent, Query, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { AuditedAction } from '../audit/audited-action.decorator';
import { RequirePermission } from '../auth/decorators';
import { canSeePool } from '../auth/principal';
import type { RequestContext } from '../common/request-context';
import { encodeCursor } from '../common/pagination';
import { SERVER_CHANNEL, ServerChangedEvent } from '../events/change-events';
import { ChangeFeed } from '../events/change-feed';
import { toConnection } from '../graphql/connection';
import { GqlRequest, Loaders } from '../graphql/context';
import type { RequestLoaders } from '../graphql/loaders';
import { ImageModel } from '../images/image.model';
import { FaultModel } from '../maintenance/fault.model';
import { OperationModel } from '../operations/operation.model';
import { PoolModel } from '../pools/pool.model';
import { ServerActionsService } from './server-actions.service';
import { RecentOperationsArgs, ServerStatusChangedArgs, RenameServerArgs, RestartServerArgs, ServerActionArgs, ServerIdArgs, ServersArgs, StopServerArgs } from './server.args';
import { ServerConnection, ServerModel, ServerStatusChange } from './server.model';
import type { ServerView } from './server.view';
import { ServersService } from './servers.service';

/** GraphQL adapter of the servers domain: the same services, permissions and scoping as REST. */
@Resolver(() => ServerModel)
export class ServersResolver {
  constructor(
    private readonly serversService: ServersService,
    private readonly actions: ServerActionsService,
    private readonly feed: ChangeFeed,
  ) {}

  @Query(() => ServerConnection, { complexity: ({ args, childComplexity }) => 1 + childComplexity * (args.first ?? 50) })
  @RequirePermission('servers:read')
  async servers(@GqlRequest() ctx: RequestContext, @Args() a: ServersArgs) {
    const page = await this.serversService.list(ctx.principal, { ...a.filter, limit: a.first, cursor: a.after });
    return toConnection(page, (s) => encodeCursor(s.id));
  }

  @Query(() => ServerModel, { description: 'NOT_FOUND when the server does not exist or is outside your pools.' })
  @RequirePermission('servers:read')
  server(@GqlRequest() ctx: RequestContext, @Args() a: ServerIdArgs) {
    return this.serversService.get(ctx.principal, a.id);
  }

  @Mutation(() => OperationModel)
  @RequirePermission('servers:operate')
  @AuditedAction('server.start')
  async startServer(@GqlRequest() ctx: RequestContext, @Args() a: ServerActionArgs) {
    return (await this.actions.start(ctx, a.id, a.idempotencyKey)).operation;
  }

  @Mutation(() => OperationModel)
  @RequirePermission('servers:operate')
  @AuditedAction('server.stop')
  async stopServer(@GqlRequest() ctx: RequestContext, @Args() a: StopServerArgs) {
    return (await this.actions.stop(ctx, a.id, a.force === true, a.idempotencyKey)).operation;
  }

  @Mutation(() => OperationModel)
  @RequirePermission('servers:operate')
  @AuditedAction('server.restart')
  async restartServer(@GqlRequest() ctx: RequestContext, @Args() a: RestartServerArgs) {
    return (await this.actions.restart(ctx, a.id, a.type ?? 'SOFT', a.idempotencyKey)).operation;
  }

  @Mutation(() => OperationModel)
  @RequirePermission('servers:operate')
  @AuditedAction('server.sync')
  async syncServer(@GqlRequest() ctx: RequestContext, @Args() a: ServerActionArgs) {
    return (await this.actions.sync(ctx, a.id, a.idempotencyKey)).operation;
  }

  @Mutation(() => ServerModel)
  @RequirePermission('servers:operate')
  @AuditedAction('server.rename')
  renameServer(@GqlRequest() ctx: RequestContext, @Args() a: RenameServerArgs) {
    return this.serversService.rename(ctx, a.id, a.name, a.expectedVersion);
  }

  @ResolveField(() => PoolModel, { nullable: true })
  @RequirePermission('pools:read')
  pool(@Parent() s: ServerView, @Loaders() l: RequestLoaders) {
    return l.pool(s.poolId);
  }

  @ResolveField(() => ImageModel, { nullable: true, description: 'Null if the image is a custom image outside your pools.' })
  @RequirePermission('images:read')
  image(@Parent() s: ServerView, @Loaders() l: RequestLoaders) {
    return l.image(s.image.id);
  }

  @ResolveField(() => OperationModel, { nullable: true, description: 'The unfinished (PENDING or RUNNING) operation, if any.' })
  @RequirePermission('operations:read')
  currentOperation(@Parent() s: ServerView, @Loaders() l: RequestLoaders) {
    return l.currentOperation(s.id);
  }

  @ResolveField(() => [OperationModel], { complexity: ({ args, childComplexity }) => 1 + childComplexity * (args.limit ?? 5) })
  @RequirePermission('operations:read')
  recentOperations(@Parent() s: ServerView, @Loaders() l: RequestLoaders, @Args() a: RecentOperationsArgs) {
    return l.recentOperations(s.id, a.limit);
  }

  @ResolveField(() => [FaultModel])
  @RequirePermission('servers:read')
  openFaults(@Parent() s: ServerView, @Loaders() l: RequestLoaders) {
    return l.openFaults(s.id);
  }

  @Subscription(() => ServerStatusChange, {
    resolve: (e: ServerChangedEvent) => e,
    description: 'Committed status/task changes, from every replica; only servers in your pools.',
  })
  @RequirePermission('servers:read')
  serverStatusChanged(@GqlRequest() ctx: RequestContext, @Args() a: ServerStatusChangedArgs) {
    return this.feed.subscribe(SERVER_CHANNEL, (e) => canSeePool(ctx.principal, e.poolId) && (!a.poolId || e.poolId === a.poolId));
  }
}

@Resolver(() => ServerStatusChange)
export class ServerStatusChangeResolver {
  @ResolveField(() => ServerModel, { nullable: true, description: 'The server as it is when the event is delivered.' })
  @RequirePermission('servers:read')
  server(@Parent() e: ServerChangedEvent, @Loaders() l: RequestLoaders) {
    return l.server(e.serverId);
  }
}
