import { ArgsType, Field, Int, Parent, Query, ResolveField, Resolver, Args } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { RequirePermission } from '../auth/decorators';
import type { RequestContext } from '../common/request-context';
import { MAX_PAGE } from '../graphql/connection';
import { GqlRequest, Loaders } from '../graphql/context';
import type { RequestLoaders } from '../graphql/loaders';
import { ServerModel } from '../servers/server.model';
import { PoolModel, StatusCount } from './pool.model';
import { PoolsService, PoolView } from './pools.service';

@ArgsType()
export class PoolServersArgs {
  @Field(() => Int, { defaultValue: 50, description: `The first servers by id, 1-${MAX_PAGE}.` }) @IsInt() @Min(1) @Max(MAX_PAGE) first: number = 50;
}

@Resolver(() => PoolModel)
export class PoolsResolver {
  constructor(private readonly poolsService: PoolsService) {}

  @Query(() => [PoolModel], { description: 'The pools you may see.' })
  @RequirePermission('pools:read')
  async pools(@GqlRequest() ctx: RequestContext) {
    return (await this.poolsService.list(ctx.principal)).items;
  }

  @ResolveField(() => [StatusCount])
  @RequirePermission('pools:read')
  statusCounts(@Parent() p: PoolView): StatusCount[] {
    return Object.entries(p.statusCounts).map(([status, count]) => ({ status, count }));
  }

  @ResolveField(() => [ServerModel], { complexity: ({ args, childComplexity }) => 1 + childComplexity * (args.first ?? 50) })
  @RequirePermission('servers:read')
  servers(@Parent() p: PoolView, @Loaders() l: RequestLoaders, @Args() a: PoolServersArgs) {
    return l.poolServers(p.id, { first: a.first });
  }

  @ResolveField(() => [ServerModel], { description: 'Hot-standby nodes of the pool.', complexity: ({ args, childComplexity }) => 1 + childComplexity * (args.first ?? 50) })
  @RequirePermission('servers:read')
  standbyServers(@Parent() p: PoolView, @Loaders() l: RequestLoaders, @Args() a: PoolServersArgs) {
    return l.poolServers(p.id, { role: 'STANDBY', first: a.first });
  }
}
