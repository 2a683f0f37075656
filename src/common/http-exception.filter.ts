import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, ErrorCode, ErrorCodes, toErrorBody } from './errors';

const statusToCode = (status: number): ErrorCode => {
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  return status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED';
};

/** The single REST error mapper: every response error has the documented body. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    let err = exception;
    if (exception instanceof HttpException) {
      // Framework-raised errors (unknown route, body parser, payload size).
      const status = exception.getStatus();
      const code = statusToCode(status);
      const message = status === 404 ? 'Route not found' : exception.message;
      err = new DomainError(code, message);
      if (ErrorCodes[code] !== status) {
        res.status(status).json({ error: { code, message } });
        return;
      }
    } else if (isBodyParserError(exception)) {
      err = exception.type === 'entity.too.large'
        ? new DomainError('PAYLOAD_TOO_LARGE', 'Request body too large')
        : new DomainError('VALIDATION_FAILED', 'Malformed JSON body');
    }
    const { status, body, unexpected } = toErrorBody(err);
    if (unexpected) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    else if (status === 503) this.logger.warn(`${body.error.code}: ${exception instanceof Error ? exception.message : String(exception)}`);
    else this.logger.debug(`refused with ${status} ${body.error.code}: ${body.error.message}`);
    if (status === 503) res.setHeader('Retry-After', '5');
    res.status(status).json(body);
  }
}

function isBodyParserError(e: unknown): e is { type: string; status: number } {
  return typeof e === 'object' && e !== null && typeof (e as { type?: unknown }).type === 'string' && typeof (e as { status?: unknown }).status === 'number';
}
