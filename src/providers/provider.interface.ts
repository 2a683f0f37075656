import type { PowerState } from '../servers/server.state-machine';

/**
 * What the control plane needs from the machines it manages. The simulator is
 * the default driver; real drivers (Redfish/IPMI, a cloud API) implement the
 * same interface and are registered under INFRASTRUCTURE_PROVIDERS.
 * Every call is idempotent: repeating it after a crash is safe.
 */
export interface HardwareFault {
  /** Stable id from the hardware, so a fault seen twice is recorded once. */
  id: string;
  component: string;
  severity: 'MINOR' | 'MAJOR' | 'CRITICAL';
  description: string;
}

export interface Health {
  faults: HardwareFault[];
}

export type ProviderTaskRequest =
  | { kind: 'INSTALL_OS'; imageId: string }
  | { kind: 'CAPTURE_IMAGE'; imageId: string }
  | { kind: 'UPGRADE'; component: 'DRIVER' | 'FIRMWARE'; version: string }
  | { kind: 'REPAIR' };

export type ProviderTaskStatus =
  | { state: 'RUNNING' }
  | { state: 'SUCCEEDED' }
  | { state: 'FAILED'; message: string };

export interface InfrastructureProvider {
  readonly name: string;
  powerOn(serverId: string): Promise<void>;
  powerOff(serverId: string, opts: { force: boolean }): Promise<void>;
  getPowerState(serverId: string): Promise<PowerState>;
  getHealth(serverId: string): Promise<Health>;
  /** Starts long work on the machine; returns a handle to poll. */
  startTask(serverId: string, task: ProviderTaskRequest): Promise<string>;
  getTask(taskId: string): Promise<ProviderTaskStatus>;
}

export const INFRASTRUCTURE_PROVIDER = Symbol('INFRASTRUCTURE_PROVIDER');

/** The management controller (BMC) did not answer. */
export class ProviderUnreachableError extends Error {
  readonly code = 'BMC_UNREACHABLE';
  constructor(serverId: string) {
    super(`Management controller of ${serverId} is not answering`);
  }
}

/** The hardware refused or failed a command. */
export class ProviderCommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class ProviderTimeoutError extends Error {
  readonly code = 'PROVIDER_TIMEOUT';
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
  }
}

/** Bounds a provider call so a hung controller cannot stall a worker or a sweep. */
export async function withTimeout<T>(what: string, ms: number, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProviderTimeoutError(what, ms)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stable error code for anything a provider threw. */
export function providerErrorCode(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? code : 'PROVIDER_ERROR';
}
