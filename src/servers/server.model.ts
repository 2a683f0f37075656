import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../graphql/connection';
import { Accelerator, Architecture, ServerRole, ServerStatus, ServerTask } from '../graphql/enums';
import { DateTimeScalar, JSONScalar } from '../graphql/scalars';

@ObjectType()
export class ServerCompute {
  @Field(() => Accelerator) acceleratorType: string;
  @Field() acceleratorModel: string;
  @Field(() => Int) acceleratorCount: number;
  @Field(() => Int) vcpus: number;
  @Field(() => Int) memoryGib: number;
  @Field(() => Architecture) architecture: string;
  @Field() flavor: string;
}

@ObjectType()
export class ServerNetwork {
  @Field() vpcId: string;
  @Field() subnetId: string;
  @Field() ipAddress: string;
}

@ObjectType()
export class SystemDisk {
  @Field() type: string;
  @Field(() => Int) sizeGb: number;
}

@ObjectType()
export class ServerStorage {
  @Field(() => SystemDisk) systemDisk: SystemDisk;
  @Field(() => JSONScalar) dataDisks: unknown;
}

/** A bare-metal server as the console records it (fields of the REST ServerView). `pool`,
 *  `image`, `currentOperation`, `recentOperations` and `openFaults` are resolved by ServersResolver. */
@ObjectType('Server')
export class ServerModel {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => ID) poolId: string;
  @Field(() => ServerRole) role: string;
  @Field(() => ServerStatus) status: string;
  @Field(() => String, { nullable: true }) statusReason: string | null;
  @Field(() => ServerTask, { nullable: true }) task: string | null;
  @Field(() => ServerCompute) compute: ServerCompute;
  @Field(() => ServerNetwork) network: ServerNetwork;
  @Field(() => ServerStorage) storage: ServerStorage;
  @Field() driverVersion: string;
  @Field() firmwareVersion: string;
  @Field(() => Int, { nullable: true }) uptimeSeconds: number | null;
  @Field(() => [String], { description: 'Lifecycle actions the server accepts now (start, stop, restart, sync, rename, ...).' }) allowedOperations: string[];
  @Field(() => DateTimeScalar, { nullable: true }) lastSyncedAt: string | null;
  @Field(() => Int, { description: 'Increments on every change; pass as expectedVersion to renameServer.' }) version: number;
  @Field(() => DateTimeScalar) createdAt: string;
  @Field(() => DateTimeScalar) updatedAt: string;
}

@ObjectType()
export class ServerEdge {
  @Field(() => ServerModel) node: ServerModel;
  @Field() cursor: string;
}

@ObjectType()
export class ServerConnection {
  @Field(() => [ServerEdge]) edges: ServerEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

/** A committed change of a server's status or task (any replica). `server` is resolved at delivery. */
@ObjectType()
export class ServerStatusChange {
  @Field(() => ID) serverId: string;
  @Field(() => ID) poolId: string;
  @Field(() => ServerStatus) status: string;
  @Field(() => ServerStatus) previousStatus: string;
  @Field(() => ServerTask, { nullable: true }) task: string | null;
  @Field(() => Int) version: number;
}
