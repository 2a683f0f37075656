import { Injectable } from '@nestjs/common';

/**
 * Whether this replica still wants traffic. On SIGTERM it starts draining:
 * /readyz answers 503 at once so load balancers stop sending new requests,
 * while in-flight operations finish or are released.
 */
@Injectable()
export class ReadinessState {
  private drainingSince: Date | null = null;

  startDraining(): void {
    this.drainingSince ??= new Date();
  }

  get draining(): boolean {
    return this.drainingSince !== null;
  }
}
