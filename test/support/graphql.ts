import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createClient, Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { AddressInfo } from 'node:net';

/** POST /graphql as a portal would; returns the HTTP status and the GraphQL body. */
export async function gql(app: INestApplication | ReturnType<typeof request>, key: string | null, query: string, variables?: Record<string, unknown>) {
  const http = 'getHttpServer' in app ? request(app.getHttpServer()) : app;
  const req = http.post('/graphql').set('Content-Type', 'application/json');
  if (key) req.set('Authorization', `Bearer ${key}`);
  const r = await req.send({ query, variables });
  return { status: r.status, body: r.body as { data?: Record<string, any> | null; errors?: { message: string; path?: string[]; extensions?: { code?: string; details?: any } }[] } };
}

/** The error codes of a GraphQL response, in order. */
export const codes = (body: { errors?: { extensions?: { code?: string } }[] }) => (body.errors ?? []).map((e) => e.extensions?.code);

/** A graphql-ws client over a real WebSocket to this app. */
export function wsClient(app: INestApplication, key: string | null): Client {
  const port = (app.getHttpServer().address() as AddressInfo).port;
  return createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key ? { Authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and collects every `next` payload (and errors) until disposed. */
export function collect<T = any>(client: Client, query: string, variables?: Record<string, unknown>) {
  const events: T[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (v) => (v.errors ? errors.push(...v.errors) : events.push(v.data as T)),
      // graphql-ws reports a refused subscription as an array of errors.
      error: (e) => (Array.isArray(e) ? errors.push(...e) : errors.push(e)),
      complete: () => (completed = true),
    },
  );
  return { events, errors, dispose, get completed() { return completed; } };
}
