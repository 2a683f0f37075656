import { Args, ArgsType, Field, ID, Int, Mutation, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, MaxLength } from 'class-validator';
import { AuditedAction } from '../audit/audited-action.decorator';
import { RequirePermission } from '../auth/decorators';
import type { RequestContext } from '../common/request-context';
import { GqlRequest } from '../graphql/context';
import { ServerStatus, ServerTask } from '../graphql/enums';
import { OperationModel } from '../operations/operation.model';
import { PoolModel } from '../pools/pool.model';
import type { PoolView } from '../pools/pools.service';
import { ServerIdArgs } from '../servers/server.args';
import { FailoverService } from './failover.service';
import { HotStandbyService } from './hot-standby.service';

@ObjectType()
export class StandbyNode {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => ServerStatus) status: string;
  @Field(() => ServerTask, { nullable: true }) task: string | null;
  @Field({ description: 'Could take over now (RUNNING, idle, no open maintenance).' }) available: boolean;
}

/** A pool's hot-standby policy (REST GET /v1/pools/{id}/hot-standby). */
@ObjectType('HotStandbyPolicy')
export class HotStandbyPolicyModel {
  @Field(() => ID) poolId: string;
  @Field() enabled: boolean;
  @Field() autoFailover: boolean;
  @Field(() => [ID]) standbyServerIds: string[];
  @Field(() => [StandbyNode]) standbys: StandbyNode[];
  @Field(() => Int) version: number;
}

@ArgsType()
export class SetHotStandbyArgs {
  @Field(() => ID) @IsString() @MaxLength(128) poolId: string;
  @Field() @IsBoolean() enabled: boolean;
  @Field({ description: 'Fail over at once on a CRITICAL fault; false: an admin calls failoverServer.' }) @IsBoolean() autoFailover: boolean;
  @Field(() => [ID]) @IsArray() @ArrayMaxSize(1000) @IsString({ each: true }) @MaxLength(128, { each: true }) standbyServerIds: string[];
}

/** Hot standby and failover: the services behind /v1/pools/{id}/hot-standby and /v1/servers/{id}/failover. */
@Resolver(() => PoolModel)
export class StandbyResolver {
  constructor(
    private readonly hotStandby: HotStandbyService,
    private readonly failovers: FailoverService,
  ) {}

  @ResolveField(() => HotStandbyPolicyModel, { description: 'Standby nodes and whether each could take over now.' })
  @RequirePermission('pools:read')
  hotStandbyPolicy(@GqlRequest() ctx: RequestContext, @Parent() p: PoolView) {
    // One read per pool: a fleet has few pools.
    return this.hotStandby.get(ctx.principal, p.id);
  }

  @Mutation(() => HotStandbyPolicyModel)
  @RequirePermission('pools:admin')
  @AuditedAction('pool.hot-standby', 'pool')
  setHotStandby(@GqlRequest() ctx: RequestContext, @Args() a: SetHotStandbyArgs) {
    return this.hotStandby.put(ctx, a.poolId, { enabled: a.enabled, autoFailover: a.autoFailover, standbyServerIds: a.standbyServerIds });
  }

  @Mutation(() => OperationModel, { description: 'Swap the server with an available standby of its pool (the operation is already SUCCEEDED).' })
  @RequirePermission('servers:admin')
  @AuditedAction('server.failover')
  failoverServer(@GqlRequest() ctx: RequestContext, @Args() a: ServerIdArgs) {
    return this.failovers.failover(ctx, a.id);
  }
}
