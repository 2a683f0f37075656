import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from './errors';

/** Whitelisting validation: unknown or read-only fields are refused (400), never
 *  silently applied; each bad field is named in `details.fields`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): { field: string; problems: string[] }[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  stopAtFirstError: false,
  exceptionFactory: (errors) => {
    const fields = flattenValidationErrors(errors);
    return new DomainError(
      'VALIDATION_FAILED',
      `Invalid request: ${fields.map((f) => `${f.field} (${f.problems.join('; ')})`).join(', ')}`,
      { fields },
    );
  },
});
