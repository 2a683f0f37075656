import type { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { ContextualRequest } from './request-context';

/**
 * The HTTP request behind a REST handler or a GraphQL field. For GraphQL it is
 * a per-field view of the transport request: `params.id` is the field's `id`
 * argument and the route names the field, so refusals are recorded against
 * the right action and resource; `principal` reads and writes through to the
 * real request, so the guard authenticates once per HTTP request (or per
 * subscription) however many fields are resolved.
 */
export function requestOf(context: ExecutionContext): ContextualRequest {
  if (context.getType<string>() !== 'graphql') return context.switchToHttp().getRequest<ContextualRequest>();
  const gql = GqlExecutionContext.create(context);
  const req = gql.getContext<{ req: ContextualRequest }>().req;
  const info = gql.getInfo<{ parentType: { name: string }; fieldName: string }>();
  const args = gql.getArgs<{ id?: unknown }>();
  return Object.create(req, {
    params: { value: typeof args?.id === 'string' ? { id: args.id } : {} },
    route: { value: { path: `graphql ${info.parentType.name}.${info.fieldName}` } },
    principal: {
      get: () => req.principal,
      set: (p) => (req.principal = p),
    },
  }) as ContextualRequest;
}
