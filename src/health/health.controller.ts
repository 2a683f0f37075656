import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/decorators';
import { DomainError } from '../common/errors';
import { DatabaseHealth } from './database.health';
import { ReadinessState } from './readiness.state';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: DatabaseHealth,
    private readonly readiness: ReadinessState,
  ) {}

  /** The process is alive (no dependency checks: a database outage must not get it restarted). */
  @Get('healthz')
  @Public()
  @HttpCode(200)
  @HealthCheck()
  healthz() {
    return this.health.check([]);
  }

  /** The database answers, every migration is applied and the replica is not draining; else 503 with the error body. */
  @Get('readyz')
  @Public()
  @HealthCheck()
  async readyz() {
    if (this.readiness.draining) {
      throw new DomainError('SERVICE_UNAVAILABLE', 'Shutting down: finishing or releasing in-flight operations', { checks: { draining: true } });
    }
    try {
      const result = await this.health.check([() => this.db.database(), () => this.db.migrations()]);
      // `checks` is the foundation's summary shape, kept for existing clients.
      return { ...result, checks: { database: 'up', migrations: 'applied' } };
    } catch (e) {
      if (!(e instanceof ServiceUnavailableException)) throw e;
      const result = e.getResponse() as { error?: Record<string, { message?: string }> };
      const failing = Object.entries(result.error ?? {}).map(([k, v]) => `${k}: ${v.message ?? 'down'}`);
      throw new DomainError('SERVICE_UNAVAILABLE', `Not ready (${failing.join('; ')})`, { checks: result });
    }
  }
}
