import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { newRequestId } from './ids';
import type { ContextualRequest } from './request-context';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every request gets an id (the client's X-Request-Id if sane), echoed back. */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(req: ContextualRequest, res: Response, next: NextFunction): void {
    const given = req.headers['x-request-id'];
    req.requestId = typeof given === 'string' && SAFE_ID.test(given) ? given : newRequestId();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  }
}
