import { Args, ArgsType, Field, ID, InputType, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { AuditedAction } from '../audit/audited-action.decorator';
import { RequirePermission } from '../auth/decorators';
import { encodeCursor } from '../common/pagination';
import type { RequestContext } from '../common/request-context';
import { DEFAULT_PAGE, MAX_PAGE, toConnection } from '../graphql/connection';
import { GqlRequest, Loaders } from '../graphql/context';
import { FaultSeverity, MaintenanceStatus } from '../graphql/enums';
import type { RequestLoaders } from '../graphql/loaders';
import { DateTimeScalar } from '../graphql/scalars';
import { OperationModel } from '../operations/operation.model';
import { OperationsService } from '../operations/operations.service';
import { ServerActionArgs } from '../servers/server.args';
import { ServerModel } from '../servers/server.model';
import { FaultsService } from './faults.service';
import { FaultReportResult, MaintenanceEventConnection, MaintenanceEventModel } from './maintenance-event.model';
import { MaintenanceService } from './maintenance.service';
import type { MaintenanceEventView } from './maintenance.view';

@InputType()
export class MaintenanceFilterInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @MaxLength(128) serverId?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @MaxLength(128) poolId?: string;
  @Field(() => MaintenanceStatus, { nullable: true }) @IsOptional() @IsIn(Object.values(MaintenanceStatus)) status?: MaintenanceStatus;
}

@ArgsType()
export class MaintenanceEventsArgs {
  @Field(() => MaintenanceFilterInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => MaintenanceFilterInput) filter?: MaintenanceFilterInput;
  @Field(() => Int, { defaultValue: DEFAULT_PAGE, description: `Page size, 1-${MAX_PAGE}; newest first.` }) @IsInt() @Min(1) @Max(MAX_PAGE) first: number = DEFAULT_PAGE;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(512) after?: string;
}

@ArgsType()
export class MaintenanceEventIdArgs {
  @Field(() => ID) @IsString() @MaxLength(128) id: string;
}

@ArgsType()
export class DecisionArgs extends MaintenanceEventIdArgs {
  @Field() @IsString() @MinLength(1) @MaxLength(1000) note: string;
}

@ArgsType()
export class AuthorizeArgs extends DecisionArgs {
  @Field(() => DateTimeScalar, { nullable: true, description: 'The repair may start from this time (maintenance window).' }) @IsOptional() @IsDate() notBefore?: Date;
}

@ArgsType()
export class ReportFaultArgs {
  @Field(() => ID) @IsString() @MaxLength(128) id: string;
  @Field() @IsString() @MinLength(1) @MaxLength(64) component: string;
  @Field(() => FaultSeverity) @IsIn(Object.values(FaultSeverity)) severity: FaultSeverity;
  @Field() @IsString() @MinLength(1) @MaxLength(1000) description: string;
}

export const UpgradeComponent = { DRIVER: 'DRIVER', FIRMWARE: 'FIRMWARE' } as const;

@ArgsType()
export class UpgradeServerArgs extends ServerActionArgs {
  @Field(() => String, { description: 'DRIVER or FIRMWARE' }) @IsIn(Object.values(UpgradeComponent)) component: 'DRIVER' | 'FIRMWARE';
  @Field()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { message: 'version must start with a letter or digit and contain only letters, digits, ".", "_", "+" and "-"' })
  version: string;
}

/** Faults, authorized repair and upgrades: the services behind /v1/maintenance-events, /faults and /upgrade. */
@Resolver(() => MaintenanceEventModel)
export class MaintenanceResolver {
  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly faults: FaultsService,
    private readonly operations: OperationsService,
  ) {}

  @Query(() => MaintenanceEventConnection, { complexity: ({ args, childComplexity }) => 1 + childComplexity * (args.first ?? 50) })
  @RequirePermission('maintenance:read')
  async maintenanceEvents(@GqlRequest() ctx: RequestContext, @Args() a: MaintenanceEventsArgs) {
    const page = await this.maintenance.list(ctx.principal, { ...a.filter, limit: a.first, cursor: a.after });
    return toConnection(page, (e) => encodeCursor([e.createdAt, e.id]));
  }

  @Query(() => MaintenanceEventModel)
  @RequirePermission('maintenance:read')
  maintenanceEvent(@GqlRequest() ctx: RequestContext, @Args() a: MaintenanceEventIdArgs) {
    return this.maintenance.get(ctx.principal, a.id);
  }

  @Mutation(() => MaintenanceEventModel, { description: 'Authorize the repair (optionally from notBefore); a REPAIR operation is scheduled.' })
  @RequirePermission('maintenance:admin')
  @AuditedAction('maintenance.authorize', 'maintenance-event')
  authorizeRepair(@GqlRequest() ctx: RequestContext, @Args() a: AuthorizeArgs) {
    return this.maintenance.authorize(ctx, a.id, a.note, a.notBefore);
  }

  @Mutation(() => MaintenanceEventModel)
  @RequirePermission('maintenance:admin')
  @AuditedAction('maintenance.reject', 'maintenance-event')
  rejectRepair(@GqlRequest() ctx: RequestContext, @Args() a: DecisionArgs) {
    return this.maintenance.reject(ctx, a.id, a.note);
  }

  @Mutation(() => MaintenanceEventModel, { description: 'The repair crew reports the node restored.' })
  @RequirePermission('maintenance:complete')
  @AuditedAction('maintenance.complete', 'maintenance-event')
  completeRepair(@GqlRequest() ctx: RequestContext, @Args() a: DecisionArgs) {
    return this.maintenance.complete(ctx, a.id, a.note);
  }

  @Mutation(() => FaultReportResult, { description: 'Report a hardware fault on a server: opens a maintenance event (CRITICAL: ERROR, and failover if configured).' })
  @RequirePermission('faults:report')
  @AuditedAction('server.fault')
  reportFault(@GqlRequest() ctx: RequestContext, @Args() a: ReportFaultArgs) {
    return this.faults.report(ctx, a.id, { component: a.component, severity: a.severity, description: a.description });
  }

  @Mutation(() => OperationModel, { description: 'Driver or firmware upgrade: RUNNING/STOPPED -> UPGRADING -> back.' })
  @RequirePermission('servers:admin')
  @AuditedAction('server.upgrade')
  async upgradeServer(@GqlRequest() ctx: RequestContext, @Args() a: UpgradeServerArgs) {
    const params = { component: a.component, version: a.version };
    return (await this.operations.request(ctx, { action: 'upgrade', type: 'UPGRADE', serverId: a.id, params, idempotencyKey: a.idempotencyKey })).operation;
  }

  @ResolveField(() => ServerModel, { nullable: true })
  @RequirePermission('servers:read')
  server(@Parent() e: MaintenanceEventView, @Loaders() l: RequestLoaders) {
    return l.server(e.serverId);
  }
}
