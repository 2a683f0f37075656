import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { ApiKeysService } from './auth/api-keys.service';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { mountDocs } from './common/openapi-docs';
import { validationPipe } from './common/validation';
import type { AppConfig } from './config/config';
import { FleetSeeder } from './seed/fleet.seed';

/** Builds the application (not yet listening). Shared by main.ts and the tests. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(PinoNestLogger));
  app.useBodyParser('json', { limit: `${config.bodyLimitKb}kb`, strict: true });
  app.set('trust proxy', false);
  app.disable('x-powered-by');
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new HttpExceptionFilter());
  mountDocs(app);
  await app.init();
  await app.get(ApiKeysService).bootstrap();
  await app.get(FleetSeeder).seed();
  return app;
}

export const bootLogger = new Logger('Bootstrap');
