import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { RequestIdMiddleware } from './common/request-id.middleware';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { GraphqlApiModule } from './graphql/graphql.module';
import { HealthModule } from './health/health.module';
import { ImagesModule } from './images/images.module';
import { LoggingModule } from './logging/logging.module';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { MetricsModule } from './metrics/metrics.module';
import { OperationsModule } from './operations/operations.module';
import { OsModule } from './os/os.module';
import { PoolsModule } from './pools/pools.module';
import { ProvidersModule } from './providers/providers.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { SeedModule } from './seed/seed.module';
import { ServersModule } from './servers/servers.module';
import { SyncModule } from './sync/sync.module';

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        DatabaseModule,
        AuditModule,
        AuthModule,
        RateLimitModule,
        ProvidersModule.forRoot(config),
        MetricsModule,
        ServersModule,
        MaintenanceModule,
        OperationsModule,
        SyncModule,
        PoolsModule,
        ImagesModule,
        OsModule,
        HealthModule,
        SeedModule,
        GraphqlApiModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes('*');
  }
}
