import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/decorators';
import { PrismaService } from '../database/prisma.service';
import { pendingMigrations } from '../database/migrator';

@Controller()
export class HealthController {
  constructor(private readonly prisma: PrismaService) {}

  /** The process is alive. */
  @Get('healthz')
  @Public()
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** The database answers and every migration is applied. */
  @Get('readyz')
  @Public()
  async readyz(@Res({ passthrough: true }) res: Response) {
    try {
      const pending = await pendingMigrations(async (sql) => (await this.prisma.pg.query(sql)).rows);
      if (pending.length) {
        res.status(503);
        return { status: 'unavailable', checks: { database: 'up', migrations: `pending: ${pending.join(', ')}` } };
      }
      return { status: 'ok', checks: { database: 'up', migrations: 'applied' } };
    } catch {
      res.status(503).setHeader('Retry-After', '5');
      return { error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable' } };
    }
  }
}
