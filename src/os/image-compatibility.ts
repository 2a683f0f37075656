import type { Image, Server } from '../generated/prisma/client';

/**
 * Whether an OS image may be installed on a server: pure, no I/O. An image is
 * built for one CPU architecture and, optionally, one accelerator stack (an
 * Ascend CANN image cannot drive NVIDIA GPUs and vice versa). A custom image
 * belongs to the pool of the server it was captured from and is installed only
 * there.
 *
 * Returns null when compatible, else the reasons it is not.
 */
export function incompatibility(
  image: Pick<Image, 'architecture' | 'accelerator' | 'type' | 'poolId'>,
  server: Pick<Server, 'architecture' | 'acceleratorType' | 'poolId'>,
): string[] | null {
  const reasons: string[] = [];
  if (image.architecture !== server.architecture) {
    reasons.push(`image is built for ${image.architecture}, server is ${server.architecture}`);
  }
  if (image.accelerator !== null && image.accelerator !== server.acceleratorType) {
    reasons.push(`image is for ${image.accelerator} servers, server has ${server.acceleratorType} accelerators`);
  }
  if (image.type === 'CUSTOM' && image.poolId !== server.poolId) {
    reasons.push(`custom image belongs to pool ${image.poolId}, server is in pool ${server.poolId}`);
  }
  return reasons.length ? reasons : null;
}
