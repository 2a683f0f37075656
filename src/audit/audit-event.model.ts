import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../graphql/connection';
import { DateTimeScalar, JSONScalar } from '../graphql/scalars';

@ObjectType()
export class AuditActor {
  @Field() type: string;
  @Field() id: string;
  @Field() name: string;
}

@ObjectType()
export class AuditResource {
  @Field() type: string;
  @Field(() => String, { nullable: true }) id: string | null;
  @Field(() => String, { nullable: true }) name: string | null;
}

/** One row of the hash-chained audit trail (REST AuditEventView). */
@ObjectType('AuditEvent')
export class AuditEventModel {
  @Field(() => ID) id: string;
  @Field(() => Float, { description: 'Gap-free position in the chain.' }) sequence: number;
  @Field(() => DateTimeScalar) occurredAt: string;
  @Field() type: string;
  @Field() action: string;
  @Field() outcome: string;
  @Field(() => AuditActor) actor: AuditActor;
  @Field(() => AuditResource) resource: AuditResource;
  @Field(() => String, { nullable: true }) poolId: string | null;
  @Field(() => String, { nullable: true }) operationId: string | null;
  @Field(() => String, { nullable: true }) requestId: string | null;
  @Field(() => String, { nullable: true }) sourceIp: string | null;
  @Field(() => String, { nullable: true }) userAgent: string | null;
  @Field(() => String, { nullable: true }) fromStatus: string | null;
  @Field(() => String, { nullable: true }) toStatus: string | null;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => JSONScalar, { nullable: true }) details: unknown;
  @Field() prevHash: string;
  @Field() hash: string;
}

@ObjectType()
export class AuditEventEdge {
  @Field(() => AuditEventModel) node: AuditEventModel;
  @Field() cursor: string;
}

@ObjectType()
export class AuditEventConnection {
  @Field(() => [AuditEventEdge]) edges: AuditEventEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}
