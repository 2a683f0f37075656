import { ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Request } from 'express';
import { GraphQLSchema, parse } from 'graphql';
import type { IncomingMessage } from 'node:http';
import { AuditResolver } from '../audit/audit.resolver';
import { newRequestId } from '../common/ids';
import type { ContextualRequest } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ChangeFeed } from '../events/change-feed';
import { ImagesModule } from '../images/images.module';
import { ImagesResolver } from '../images/images.resolver';
import { OperationsResolver, OperationUpdateResolver } from '../operations/operations.resolver';
import { MaintenanceResolver } from '../maintenance/maintenance.resolver';
import { OsModule } from '../os/os.module';
import { OsResolver } from '../os/os.resolver';
import { PoolsModule } from '../pools/pools.module';
import { PoolsResolver } from '../pools/pools.resolver';
import { ServersResolver, ServerStatusChangeResolver } from '../servers/servers.resolver';
import { StandbyModule } from '../standby/standby.module';
import { StandbyResolver } from '../standby/standby.resolver';
import { ApolloExpressDriver } from './apollo-express.driver';
import type { GqlContext } from './context';
import { formatGraphqlError } from './errors';
import { checkLimits, limitsPlugin } from './limits';
import { GraphqlLoaderServices } from './loaders';

/** Every resolver of the API; the schema test builds the schema from this list too. */
export const GRAPHQL_RESOLVERS = [
  ServersResolver,
  ServerStatusChangeResolver,
  OperationsResolver,
  OperationUpdateResolver,
  PoolsResolver,
  ImagesResolver,
  AuditResolver,
  OsResolver,
  MaintenanceResolver,
  StandbyResolver,
];

@Module({
  imports: [PoolsModule, ImagesModule, OsModule, StandbyModule],
  providers: [GraphqlLoaderServices, ChangeFeed],
  exports: [GraphqlLoaderServices, ChangeFeed, PoolsModule, ImagesModule, OsModule, StandbyModule],
})
export class GraphqlSupportModule {}

/** The request-like object of a WebSocket subscription: what the guard and audit rows read. */
function subscriptionRequest(connectionParams: Record<string, unknown> | undefined, upgrade: IncomingMessage | undefined): ContextualRequest {
  const auth = connectionParams?.Authorization ?? connectionParams?.authorization;
  return {
    headers: { authorization: typeof auth === 'string' ? auth : undefined, 'user-agent': upgrade?.headers['user-agent'] },
    method: 'SUBSCRIBE',
    path: '/graphql',
    ip: upgrade?.socket.remoteAddress,
    requestId: newRequestId(),
  } as unknown as ContextualRequest;
}

@Module({
  imports: [
    GraphqlSupportModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloExpressDriver,
      imports: [GraphqlSupportModule],
      inject: [APP_CONFIG, GraphqlLoaderServices],
      useFactory: (config: AppConfig, loaders: GraphqlLoaderServices): ApolloDriverConfig => {
        const limits = { maxDepth: config.graphql.maxDepth, maxComplexity: config.graphql.maxComplexity };
        // This app's schema, captured when built, for the WebSocket limit checks.
        let built: GraphQLSchema | undefined;
        return {
          path: '/graphql',
          // Built in memory; `npm run graphql:schema` writes schema.graphql and a test keeps it in step.
          autoSchemaFile: true,
          sortSchema: true,
          transformSchema: (schema: GraphQLSchema) => (built = schema),
          introspection: config.graphql.introspection,
          playground: config.graphql.playground,
          includeStacktraceInErrorResponses: false,
          // Guards run on nested fields too: permissions and pool scopes hold at every level.
          fieldResolverEnhancers: ['guards'],
          formatError: formatGraphqlError,
          plugins: [limitsPlugin(limits)],
          context: (arg: { req?: Request; connectionParams?: Record<string, unknown>; extra?: { request?: IncomingMessage } }): GqlContext => {
            if (arg.req) return { req: arg.req as ContextualRequest, loaders: loaders.forRequest(arg.req as ContextualRequest, { cache: true }) };
            const req = subscriptionRequest(arg.connectionParams, arg.extra?.request);
            return { req, loaders: loaders.forRequest(req, { cache: false }) };
          },
          subscriptions: {
            'graphql-ws': {
              // Same limits as HTTP; an unparsable query is left to graphql-ws to report.
              onSubscribe: (_ctx: unknown, _id: string, payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null }) => {
                let doc;
                try {
                  doc = parse(payload.query);
                } catch {
                  return;
                }
                const errors = checkLimits(built!, doc, payload.variables ?? undefined, payload.operationName, limits);
                return errors.length ? errors : undefined;
              },
              // Subscription results get the same error formatting as HTTP responses.
              onNext: (_ctx: unknown, _id: string, _payload: unknown, _args: unknown, result: { errors?: readonly unknown[] }) =>
                result.errors?.length ? { ...result, errors: result.errors.map((e) => formatGraphqlError((e as { toJSON(): never }).toJSON(), e)) } : undefined,
            } as never,
          },
        };
      },
    }),
  ],
  providers: GRAPHQL_RESOLVERS,
})
export class GraphqlApiModule {}
