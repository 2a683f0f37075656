import { DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { assignRequestId } from '../common/request-id.middleware';
import type { AppConfig } from '../config/config';
import { rootLogger } from './logger';

const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/** Structured JSON logs: every line logged while serving a request carries its requestId. */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger: rootLogger(config.logLevel),
            genReqId: (req: IncomingMessage, res: ServerResponse) => assignRequestId(req, res),
            quietReqLogger: true,
            customAttributeKeys: { reqId: 'requestId' },
            autoLogging: { ignore: (req) => QUIET.has((req.url ?? '').split('?')[0]) },
            customLogLevel: (_req, res, err) => (res.statusCode === 503 ? 'warn' : err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
            // The exception filter logs the real error; pino-http's synthetic one only adds a useless stack.
            customErrorObject: (_req, _res, _err, val: Record<string, unknown>) => ({ res: val.res, responseTime: val.responseTime }),
            // Only what an operator needs; headers (credentials) and bodies stay out.
            serializers: {
              req: (req: { method: string; url: string; remoteAddress?: string; headers?: Record<string, unknown> }) => ({
                method: req.method,
                url: req.url,
                remoteAddress: req.remoteAddress,
                userAgent: req.headers?.['user-agent'],
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
    };
  }
}
