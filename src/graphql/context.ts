import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { contextOf, ContextualRequest } from '../common/request-context';
import type { RequestLoaders } from './loaders';

export interface GqlContext {
  req: ContextualRequest;
  loaders: RequestLoaders;
}

/** Who is calling, from where (the same RequestContext REST handlers build). */
export const GqlRequest = createParamDecorator((_data: unknown, ctx: ExecutionContext) => contextOf(GqlExecutionContext.create(ctx).getContext<GqlContext>().req));

/** This request's DataLoaders. */
export const Loaders = createParamDecorator((_data: unknown, ctx: ExecutionContext) => GqlExecutionContext.create(ctx).getContext<GqlContext>().loaders);
