import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Response } from 'express';
import { newRequestId } from './ids';
import type { ContextualRequest } from './request-context';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id (the client's X-Request-Id if sane), assigned once and echoed
 *  back. Shared by this middleware and the HTTP logger, whichever runs first. */
export function assignRequestId(req: IncomingMessage & { requestId?: string }, res: ServerResponse): string {
  if (!req.requestId) {
    const given = req.headers['x-request-id'];
    req.requestId = typeof given === 'string' && SAFE_ID.test(given) ? given : newRequestId();
    if (!res.headersSent) res.setHeader('X-Request-Id', req.requestId);
  }
  return req.requestId;
}

/** Every request gets an id, echoed back. */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(req: ContextualRequest, res: Response, next: NextFunction): void {
    assignRequestId(req, res);
    next();
  }
}
