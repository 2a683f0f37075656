import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../graphql/connection';
import { FaultSeverity, MaintenanceStatus, ServerRole } from '../graphql/enums';
import { DateTimeScalar } from '../graphql/scalars';
import { FaultModel } from './fault.model';

/** An authorized-repair event (REST MaintenanceEventView). `server` is resolved by MaintenanceResolver. */
@ObjectType('MaintenanceEvent')
export class MaintenanceEventModel {
  @Field(() => ID) id: string;
  @Field(() => ID) serverId: string;
  @Field(() => ID) poolId: string;
  @Field(() => MaintenanceStatus) status: string;
  @Field() type: string;
  @Field(() => FaultSeverity) severity: string;
  @Field() summary: string;
  @Field(() => ServerRole) previousRole: string;
  @Field(() => ID, { nullable: true }) replacementServerId: string | null;
  @Field(() => String, { nullable: true }) standbyNote: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) notBefore: string | null;
  @Field(() => String, { nullable: true }) decidedById: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) decidedAt: string | null;
  @Field(() => String, { nullable: true }) decisionNote: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) repairStartedAt: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) completedAt: string | null;
  @Field(() => String, { nullable: true }) completionNote: string | null;
  @Field(() => [String]) allowedActions: string[];
  @Field(() => [FaultModel]) faults: FaultModel[];
  @Field(() => Int) version: number;
  @Field(() => DateTimeScalar) createdAt: string;
  @Field(() => DateTimeScalar) updatedAt: string;
}

@ObjectType()
export class MaintenanceEventEdge {
  @Field(() => MaintenanceEventModel) node: MaintenanceEventModel;
  @Field() cursor: string;
}

@ObjectType()
export class MaintenanceEventConnection {
  @Field(() => [MaintenanceEventEdge]) edges: MaintenanceEventEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType()
export class FaultReportResult {
  @Field(() => FaultModel) fault: FaultModel;
  @Field(() => MaintenanceEventModel) maintenanceEvent: MaintenanceEventModel;
}
