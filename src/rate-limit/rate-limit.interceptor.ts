import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, mergeMap, Observable } from 'rxjs';
import { DomainError } from '../common/errors';
import type { ContextualRequest } from '../common/request-context';
import { RateLimitService } from './rate-limit.service';

/** Interceptors run after guards, so the principal is known here; public routes
 *  (health, metrics, docs) have none and are not limited. */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  constructor(private readonly limits: RateLimitService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.limits.enabled || context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<ContextualRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!req.principal) return next.handle();
    return from(this.limits.hit(req.principal.id)).pipe(
      mergeMap((d) => {
        res.setHeader('RateLimit-Limit', String(d.limit));
        res.setHeader('RateLimit-Remaining', String(d.remaining));
        res.setHeader('RateLimit-Reset', String(d.resetSeconds));
        if (!d.allowed) {
          res.setHeader('Retry-After', String(d.resetSeconds));
          throw new DomainError('RATE_LIMITED', `Rate limit of ${d.limit} requests per minute exceeded; retry in ${d.resetSeconds} s`, {
            limit: d.limit,
            retryAfterSeconds: d.resetSeconds,
          });
        }
        return next.handle();
      }),
    );
  }
}
