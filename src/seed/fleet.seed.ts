import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PrismaService } from '../database/prisma.service';
import { SimulatorProvider } from '../providers/simulator/simulator.provider';

/** The public OS image catalogue every installation starts with. */
export const PUBLIC_IMAGES = [
  { id: 'img-euleros-2.10-arm-ascend', name: 'EulerOS 2.10 (Ascend NPU)', osFamily: 'EulerOS', osVersion: '2.10', architecture: 'AARCH64', accelerator: 'NPU', sizeGb: 40, description: 'EulerOS with Ascend CANN driver stack for NPU servers' },
  { id: 'img-euleros-2.12-arm-ascend', name: 'EulerOS 2.12 (Ascend NPU)', osFamily: 'EulerOS', osVersion: '2.12', architecture: 'AARCH64', accelerator: 'NPU', sizeGb: 40, description: 'EulerOS 2.12 with CANN 8 for Ascend NPU servers' },
  { id: 'img-ubuntu-22.04-x86-cuda', name: 'Ubuntu 22.04 (NVIDIA GPU)', osFamily: 'Ubuntu', osVersion: '22.04', architecture: 'X86_64', accelerator: 'GPU', sizeGb: 50, description: 'Ubuntu 22.04 with NVIDIA driver and CUDA 12' },
  { id: 'img-ubuntu-24.04-x86-cuda', name: 'Ubuntu 24.04 (NVIDIA GPU)', osFamily: 'Ubuntu', osVersion: '24.04', architecture: 'X86_64', accelerator: 'GPU', sizeGb: 50, description: 'Ubuntu 24.04 with NVIDIA driver and CUDA 12' },
] as const;

const POOLS = [
  { id: 'pool-ascend-a', name: 'ascend-training-a', description: 'Ascend 910B training pool' },
  { id: 'pool-gpu-b', name: 'gpu-inference-b', description: 'NVIDIA H100 inference pool' },
];

export interface SeedServer {
  id: string;
  name: string;
  poolId: string;
  power: 'ON' | 'OFF';
  npu: boolean;
  index: number;
}

/** A deterministic demo fleet: half in each pool, alternately running and stopped. */
export function demoFleet(size: number): SeedServer[] {
  return Array.from({ length: size }, (_, i) => {
    const npu = i % 2 === 0;
    const n = String(i + 1).padStart(3, '0');
    return {
      id: `srv-${n}`,
      name: `${npu ? 'ascend' : 'gpu'}-node-${n}`,
      poolId: npu ? POOLS[0].id : POOLS[1].id,
      power: i % 4 < 2 ? 'ON' : 'OFF',
      npu,
      index: i,
    };
  });
}

@Injectable()
export class FleetSeeder {
  private readonly logger = new Logger('FleetSeeder');

  constructor(
    private readonly prisma: PrismaService,
    private readonly simulator: SimulatorProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Idempotent: the catalogue always; the demo fleet only into an empty database. */
  async seed(): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(72707373)`;
      for (const img of PUBLIC_IMAGES) {
        await tx.image.upsert({ where: { id: img.id }, update: {}, create: { ...img, type: 'PUBLIC', status: 'AVAILABLE' } });
      }
      if (!this.config.simulator.seed || (await tx.pool.count()) > 0) return;
      await tx.pool.createMany({ data: POOLS });
      const fleet = demoFleet(this.config.simulator.fleetSize);
      const now = new Date();
      await tx.server.createMany({
        data: fleet.map((s) => ({
          id: s.id,
          name: s.name,
          poolId: s.poolId,
          status: s.power === 'ON' ? 'RUNNING' : 'STOPPED',
          runningSince: s.power === 'ON' ? now : null,
          acceleratorType: s.npu ? 'NPU' : 'GPU',
          acceleratorModel: s.npu ? 'Ascend 910B' : 'NVIDIA H100 SXM5 80GB',
          acceleratorCount: 8,
          vcpus: s.npu ? 192 : 224,
          memoryGib: s.npu ? 1536 : 2048,
          architecture: s.npu ? 'AARCH64' : 'X86_64',
          flavor: s.npu ? 'modelarts.bm.npu.arm.8snt9b3.d' : 'modelarts.bm.gpu.8h100',
          vpcId: s.npu ? 'vpc-ascend-a' : 'vpc-gpu-b',
          subnetId: s.npu ? 'subnet-ascend-a-1' : 'subnet-gpu-b-1',
          ipAddress: `192.168.${s.npu ? 10 : 20}.${10 + Math.floor(s.index / 2)}`,
          systemDiskType: 'SSD',
          systemDiskSizeGb: 480,
          dataDisks: [{ type: 'NVMe', sizeGb: 7680, count: 4 }],
          imageId: s.npu ? PUBLIC_IMAGES[0].id : PUBLIC_IMAGES[2].id,
          driverVersion: s.npu ? '24.1.rc2' : '550.54.15',
          firmwareVersion: s.npu ? '7.3.0.1.231' : '96.00.89.00.01',
        })),
      });
      await this.simulator.addMachines(
        fleet.map((s) => ({
          id: s.id,
          power: s.power,
          imageId: s.npu ? PUBLIC_IMAGES[0].id : PUBLIC_IMAGES[2].id,
          driverVersion: s.npu ? '24.1.rc2' : '550.54.15',
          firmwareVersion: s.npu ? '7.3.0.1.231' : '96.00.89.00.01',
        })),
      );
      this.logger.log(`Seeded a simulated fleet of ${fleet.length} servers in ${POOLS.length} pools`);
    });
  }
}
