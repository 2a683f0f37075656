import { ApolloServer, HeaderMap, type ApolloServerOptions, type BaseContext } from '@apollo/server';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The Apollo driver, mounted on Express without `@as-integrations/express5`
 * (not installed here): the integration is the small adapter below, built on
 * Apollo's public `executeHTTPGraphQLRequest`. Bodies are parsed by the app's
 * own JSON parser, with its size limit.
 */
@Injectable()
export class ApolloExpressDriver extends ApolloDriver {
  private server?: ApolloServer<BaseContext>;

  override get instance(): ApolloServer<BaseContext> {
    return this.server!;
  }

  override async registerExpress(options: ApolloDriverConfig): Promise<void> {
    const httpAdapter = this.httpAdapterHost.httpAdapter;
    const path = options.path ?? '/graphql';
    // No drain-http-server plugin: it would close the shared HTTP server as soon as
    // Apollo stops, cutting REST (and /readyz) off while operations still drain.
    // Nest closes the server itself, last.
    const server = new ApolloServer<BaseContext>(options as ApolloServerOptions<BaseContext>);
    await server.start();
    this.server = server;
    (this as unknown as { apolloServer: ApolloServer<BaseContext> }).apolloServer = server;
    httpAdapter.getInstance().use(path, expressHandler(server, options.context as (arg: { req: Request; res: Response }) => Promise<BaseContext>));
  }
}

function expressHandler(server: ApolloServer<BaseContext>, context: (arg: { req: Request; res: Response }) => Promise<BaseContext>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const q = req.originalUrl.indexOf('?');
    server
      .executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: q >= 0 ? req.originalUrl.slice(q) : '', body: req.body ?? {} },
        context: () => context({ req, res }),
      })
      .then(async (response) => {
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.send(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch(next);
  };
}
