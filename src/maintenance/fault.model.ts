import { Field, ID, ObjectType } from '@nestjs/graphql';
import { FaultSeverity } from '../graphql/enums';
import { DateTimeScalar } from '../graphql/scalars';

/** A hardware fault recorded against a server (open while `resolvedAt` is null). */
@ObjectType('Fault')
export class FaultModel {
  @Field(() => ID) id: string;
  @Field(() => ID) serverId: string;
  @Field() component: string;
  @Field(() => FaultSeverity) severity: string;
  @Field() description: string;
  @Field() source: string;
  @Field(() => ID, { nullable: true }) maintenanceEventId: string | null;
  @Field(() => DateTimeScalar) detectedAt: Date | string;
  @Field(() => DateTimeScalar, { nullable: true }) resolvedAt: Date | string | null;
}
