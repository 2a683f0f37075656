import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { ServerStatus, SyncPolicy } from '../graphql/enums';
import { DateTimeScalar } from '../graphql/scalars';

@ObjectType()
export class HotStandbySettings {
  @Field() enabled: boolean;
  @Field() autoFailover: boolean;
}

@ObjectType()
export class StatusCount {
  @Field(() => ServerStatus) status: string;
  @Field(() => Int) count: number;
}

/** A resource pool. `servers` and `standbyServers` are resolved by PoolsResolver. */
@ObjectType('Pool')
export class PoolModel {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field() description: string;
  @Field(() => SyncPolicy) syncPolicy: string;
  @Field(() => HotStandbySettings) hotStandby: HotStandbySettings;
  @Field(() => Int) serverCount: number;
  @Field(() => DateTimeScalar) createdAt: string;
}
