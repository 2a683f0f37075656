import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Histogram } from 'prom-client';
import { MetricsService } from './metrics.service';

/** Request latency by route template (not raw path: bounded label values) and status. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly latency: Histogram;

  constructor(metrics: MetricsService) {
    this.latency = metrics.histogram('http_request_duration_seconds', 'HTTP request latency', ['method', 'route', 'status'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.latency.startTimer();
    res.once('finish', () => {
      // req.route is set once Express matched a handler (401s from the guard still
      // have it); Nest's not-found handler is a catch-all route.
      const matched = req.route?.path ? `${req.baseUrl ?? ''}${req.route.path}` : undefined;
      const route = !matched || matched.includes('{*') ? 'unmatched' : matched;
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  }
}
