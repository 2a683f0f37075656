import { Args, ArgsType, Field, ID, InputType, Int, Query, Resolver } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { RequirePermission } from '../auth/decorators';
import { encodeCursor } from '../common/pagination';
import type { RequestContext } from '../common/request-context';
import { DEFAULT_PAGE, MAX_PAGE, toConnection } from '../graphql/connection';
import { GqlRequest } from '../graphql/context';
import { DateTimeScalar } from '../graphql/scalars';
import { AuditEventConnection } from './audit-event.model';
import { AuditService } from './audit.service';

/** The filters of GET /v1/audit-events. */
@InputType()
export class AuditFilterInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(256) resourceId?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) resourceType?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(128) action?: string;
  @Field({ nullable: true }) @IsOptional() @IsIn(['ACTION', 'STATE_TRANSITION', 'AUTH', 'FAULT', 'MAINTENANCE', 'SYNC', 'CONFIG']) type?: string;
  @Field({ nullable: true }) @IsOptional() @IsIn(['ACCEPTED', 'SUCCEEDED', 'FAILED', 'REJECTED', 'DENIED']) outcome?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(256) actorId?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @MaxLength(128) poolId?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsString() @MaxLength(128) operationId?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(128) requestId?: string;
  @Field(() => DateTimeScalar, { nullable: true }) @IsOptional() @IsDate() from?: Date;
  @Field(() => DateTimeScalar, { nullable: true }) @IsOptional() @IsDate() to?: Date;
  @Field({ nullable: true, description: 'asc (default) or desc, by sequence.' }) @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';
}

@ArgsType()
export class AuditEventsArgs {
  @Field(() => AuditFilterInput, { nullable: true }) @IsOptional() @ValidateNested() @Type(() => AuditFilterInput) filter?: AuditFilterInput;
  @Field(() => Int, { defaultValue: DEFAULT_PAGE, description: `Page size, 1-${MAX_PAGE}.` }) @IsInt() @Min(1) @Max(MAX_PAGE) first: number = DEFAULT_PAGE;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(512) after?: string;
}

@Resolver()
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => AuditEventConnection, { description: 'The audit trail (auditor role).', complexity: ({ args, childComplexity }) => 1 + childComplexity * (args.first ?? 50) })
  @RequirePermission('audit:read')
  async auditEvents(@GqlRequest() ctx: RequestContext, @Args() a: AuditEventsArgs) {
    const page = await this.audit.list(ctx.principal, { ...a.filter, limit: a.first, cursor: a.after });
    return toConnection(page, (e) => encodeCursor(String(e.sequence)));
  }
}
