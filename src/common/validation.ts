import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Finds a prototype-pollution key anywhere in a parsed JSON value. */
function pollutedKey(value: unknown, path: string, depth = 0): string | undefined {
  if (depth > 32 || value === null || typeof value !== 'object') return undefined;
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return at;
    const inner = pollutedKey((value as Record<string, unknown>)[key], at, depth + 1);
    if (inner) return inner;
  }
  return undefined;
}

const invalid = (field: string, problem: string) =>
  new DomainError('VALIDATION_FAILED', `Invalid request: ${field} (${problem})`, { fields: [{ field, problems: [problem] }] });

/**
 * The whitelisting ValidationPipe, plus what it does not check: a JSON body
 * must be an object (not an array or a scalar), and keys that could pollute
 * prototypes are refused outright.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A whole body (REST @Body(), GraphQL @Args() of an ArgsType); named scalar args pass through.
    if (metadata.type === 'body' && metadata.data === undefined) {
      if (value === undefined) value = {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('body', 'the body must be a JSON object');
      const bad = pollutedKey(value, '');
      if (bad) throw invalid(bad, 'this key is not allowed');
    }
    if (metadata.type === 'query' && value && typeof value === 'object') {
      const bad = pollutedKey(value, '');
      if (bad) throw invalid(bad, 'this key is not allowed');
    }
    return super.transform(value, metadata);
  }
}

export const validationPipe = new StrictValidationPipe({
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
