import { Field, ID, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../graphql/connection';
import { OperationStatus, OperationType } from '../graphql/enums';
import { DateTimeScalar, JSONScalar } from '../graphql/scalars';

@ObjectType()
export class Actor {
  @Field() type: string;
  @Field() id: string;
  @Field() name: string;
}

@ObjectType()
export class OperationError {
  @Field() code: string;
  @Field() message: string;
}

/** A durable lifecycle operation (REST OperationView). `server` is resolved by OperationsResolver. */
@ObjectType('Operation')
export class OperationModel {
  @Field(() => ID) id: string;
  @Field(() => OperationType) type: string;
  @Field(() => OperationStatus) status: string;
  @Field(() => ID) serverId: string;
  @Field(() => Actor) requestedBy: Actor;
  @Field(() => JSONScalar) params: unknown;
  @Field(() => String, { nullable: true }) step: string | null;
  @Field(() => DateTimeScalar) createdAt: string;
  @Field(() => DateTimeScalar, { nullable: true }) startedAt: string | null;
  @Field(() => DateTimeScalar, { nullable: true }) finishedAt: string | null;
  @Field(() => OperationError, { nullable: true }) error: OperationError | null;
}

@ObjectType()
export class OperationEdge {
  @Field(() => OperationModel) node: OperationModel;
  @Field() cursor: string;
}

@ObjectType()
export class OperationConnection {
  @Field(() => [OperationEdge]) edges: OperationEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

/** A committed change of an operation's status (any replica). `operation` is resolved at delivery. */
@ObjectType()
export class OperationUpdate {
  @Field(() => ID) operationId: string;
  @Field(() => ID) serverId: string;
  @Field(() => ID) poolId: string;
  @Field(() => OperationType) type: string;
  @Field(() => OperationStatus) status: string;
}
