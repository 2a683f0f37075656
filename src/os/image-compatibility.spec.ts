import { incompatibility } from './image-compatibility';

const npuServer = { architecture: 'AARCH64', acceleratorType: 'NPU', poolId: 'pool-a' } as const;
const gpuServer = { architecture: 'X86_64', acceleratorType: 'GPU', poolId: 'pool-b' } as const;
const ascend = { architecture: 'AARCH64', accelerator: 'NPU', type: 'PUBLIC', poolId: null } as const;
const cuda = { architecture: 'X86_64', accelerator: 'GPU', type: 'PUBLIC', poolId: null } as const;

describe('image compatibility', () => {
  it.each([
    ['Ascend image on an NPU server', ascend, npuServer, null],
    ['CUDA image on a GPU server', cuda, gpuServer, null],
    ['accelerator-neutral image of the right architecture', { ...cuda, accelerator: null }, gpuServer, null],
    ['custom image in its own pool', { ...ascend, type: 'CUSTOM', poolId: 'pool-a' }, npuServer, null],
  ] as const)('%s is compatible', (_n, image, server, expected) => {
    expect(incompatibility(image, server)).toBe(expected);
  });

  it('refuses an Ascend NPU image on an NVIDIA GPU server, naming both mismatches', () => {
    expect(incompatibility(ascend, gpuServer)).toEqual([
      'image is built for AARCH64, server is X86_64',
      'image is for NPU servers, server has GPU accelerators',
    ]);
  });

  it('refuses a wrong accelerator even on the right architecture', () => {
    expect(incompatibility({ ...ascend, architecture: 'X86_64' }, gpuServer)).toEqual(['image is for NPU servers, server has GPU accelerators']);
  });

  it('refuses a custom image from another pool', () => {
    expect(incompatibility({ ...cuda, type: 'CUSTOM', poolId: 'pool-c' }, gpuServer)).toEqual(['custom image belongs to pool pool-c, server is in pool pool-b']);
  });
});
