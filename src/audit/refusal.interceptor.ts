import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { DomainError } from '../common/errors';
import type { ContextualRequest } from '../common/request-context';
import { requestOf } from '../common/execution-request';
import { AUDITED_ACTION_KEY, AuditedActionMeta } from './audited-action.decorator';
import { RefusalRecorder } from './refusal-recorder';

/** Pipes run inside interceptors, so a validation failure on an audited action
 *  surfaces here and is recorded as REJECTED against its resource. */
@Injectable()
export class RefusalInterceptor implements NestInterceptor {
  private readonly logger = new Logger('RefusalInterceptor');

  constructor(
    private readonly reflector: Reflector,
    private readonly refusals: RefusalRecorder,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() !== 'http' && context.getType<string>() !== 'graphql') return next.handle();
    const meta = this.reflector.getAllAndOverride<AuditedActionMeta | undefined>(AUDITED_ACTION_KEY, [context.getHandler(), context.getClass()]);
    if (!meta) return next.handle();
    const req: ContextualRequest = requestOf(context);
    return next.handle().pipe(
      catchError((err) => {
        if (!(err instanceof DomainError) || (err.code !== 'VALIDATION_FAILED' && err.code !== 'DATA_LOSS_NOT_CONFIRMED')) return throwError(() => err);
        const record = this.refusals
          .record(
            {
              meta,
              resourceId: typeof req.params?.id === 'string' ? req.params.id : undefined,
              principal: req.principal,
              requestId: req.requestId,
              sourceIp: req.ip,
              userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
              attempted: `${req.method} ${req.route?.path ?? req.path}`,
            },
            'REJECTED',
            err.code,
            err.message,
          )
          .catch((e) => this.logger.error(`audit of refusal failed: ${(e as Error).message}`));
        return from(record).pipe(mergeMap(() => throwError(() => err)));
      }),
    );
  }
}
