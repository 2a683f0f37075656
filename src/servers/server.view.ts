import type { Image, Server } from '../generated/prisma/client';
import { allowedActions, ServerAction } from './server.state-machine';

/** The API shape of a server: what the seed's "Viewing Server Details" lists. */
export interface ServerView {
  id: string;
  name: string;
  poolId: string;
  role: string;
  status: string;
  statusReason: string | null;
  task: string | null;
  compute: {
    acceleratorType: string;
    acceleratorModel: string;
    acceleratorCount: number;
    vcpus: number;
    memoryGib: number;
    architecture: string;
    flavor: string;
  };
  network: { vpcId: string; subnetId: string; ipAddress: string };
  storage: { systemDisk: { type: string; sizeGb: number }; dataDisks: unknown };
  image: { id: string; name: string | null };
  driverVersion: string;
  firmwareVersion: string;
  uptimeSeconds: number | null;
  allowedOperations: ServerAction[];
  lastSyncedAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toServerView(s: Server & { image?: Pick<Image, 'id' | 'name'> | null }, now = Date.now()): ServerView {
  return {
    id: s.id,
    name: s.name,
    poolId: s.poolId,
    role: s.role,
    status: s.status,
    statusReason: s.statusReason,
    task: s.task,
    compute: {
      acceleratorType: s.acceleratorType,
      acceleratorModel: s.acceleratorModel,
      acceleratorCount: s.acceleratorCount,
      vcpus: s.vcpus,
      memoryGib: s.memoryGib,
      architecture: s.architecture,
      flavor: s.flavor,
    },
    network: { vpcId: s.vpcId, subnetId: s.subnetId, ipAddress: s.ipAddress },
    storage: { systemDisk: { type: s.systemDiskType, sizeGb: s.systemDiskSizeGb }, dataDisks: s.dataDisks },
    image: { id: s.imageId, name: s.image?.name ?? null },
    driverVersion: s.driverVersion,
    firmwareVersion: s.firmwareVersion,
    uptimeSeconds: s.status === 'RUNNING' && s.runningSince ? Math.max(0, Math.floor((now - s.runningSince.getTime()) / 1000)) : null,
    allowedOperations: allowedActions({ status: s.status, task: s.task }),
    lastSyncedAt: s.lastSyncedAt?.toISOString() ?? null,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
