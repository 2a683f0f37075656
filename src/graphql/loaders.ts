import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import type { Principal } from '../auth/principal';
import type { ContextualRequest } from '../common/request-context';
import { ImagesService, ImageView } from '../images/images.service';
import { FaultsService } from '../maintenance/faults.service';
import type { OperationView } from '../operations/operation.view';
import { OperationsService } from '../operations/operations.service';
import { PoolsService, PoolView } from '../pools/pools.service';
import type { ServerView } from '../servers/server.view';
import { ServersService } from '../servers/servers.service';

type FaultRow = Awaited<ReturnType<FaultsService['openForServers']>>[number];

const groupBy = <T>(rows: T[], key: (r: T) => string) => {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
};

/**
 * One set of DataLoaders per GraphQL request (per subscription event stream on
 * WebSockets, uncached there so each event reads fresh rows). Every batch goes
 * through the domain services with the caller's principal, so nested fields
 * are pool-scoped exactly like the top-level queries.
 */
export class RequestLoaders {
  private readonly keyed = new Map<string, DataLoader<string, unknown>>();

  constructor(
    private readonly s: GraphqlLoaderServices,
    private readonly principal: () => Principal,
    private readonly cache: boolean,
  ) {}

  private loader<V>(name: string, batch: (keys: readonly string[]) => Promise<V[]>): DataLoader<string, V> {
    let l = this.keyed.get(name) as DataLoader<string, V> | undefined;
    if (!l) {
      l = new DataLoader<string, V>(batch, { cache: this.cache, maxBatchSize: 500 });
      this.keyed.set(name, l as DataLoader<string, unknown>);
    }
    return l;
  }

  private byId<V extends { id: string }>(name: string, fetch: (p: Principal, ids: readonly string[]) => Promise<V[]>) {
    return this.loader<V | null>(name, async (ids) => {
      const found = new Map((await fetch(this.principal(), ids)).map((v) => [v.id, v]));
      return ids.map((id) => found.get(id) ?? null);
    });
  }

  server(id: string): Promise<ServerView | null> {
    return this.byId('server', (p, ids) => this.s.servers.viewsByIds(p, ids)).load(id);
  }

  pool(id: string): Promise<PoolView | null> {
    return this.byId('pool', (p, ids) => this.s.pools.viewsByIds(p, ids)).load(id);
  }

  image(id: string): Promise<ImageView | null> {
    return this.byId('image', (p, ids) => this.s.images.viewsByIds(p, ids)).load(id);
  }

  currentOperation(serverId: string): Promise<OperationView | null> {
    return this.loader<OperationView | null>('currentOperation', async (ids) => {
      const byServer = groupBy(await this.s.operations.currentForServers(this.principal(), ids), (o) => o.serverId);
      return ids.map((id) => byServer.get(id)?.[0] ?? null);
    }).load(serverId);
  }

  recentOperations(serverId: string, limit: number): Promise<OperationView[]> {
    return this.loader<OperationView[]>(`recentOperations:${limit}`, async (ids) => {
      const byServer = groupBy(await this.s.operations.recentForServers(this.principal(), ids, limit), (o) => o.serverId);
      return ids.map((id) => byServer.get(id) ?? []);
    }).load(serverId);
  }

  /** Callers pass servers already read through the scoped server loader or queries. */
  openFaults(serverId: string): Promise<FaultRow[]> {
    return this.loader<FaultRow[]>('openFaults', async (ids) => {
      const byServer = groupBy(await this.s.faults.openForServers(ids), (f) => f.serverId);
      return ids.map((id) => byServer.get(id) ?? []);
    }).load(serverId);
  }

  poolServers(poolId: string, opts: { role?: 'ACTIVE' | 'STANDBY'; first: number }): Promise<ServerView[]> {
    return this.loader<ServerView[]>(`poolServers:${opts.role ?? '*'}:${opts.first}`, async (ids) => {
      const byPool = groupBy(await this.s.servers.viewsByPools(this.principal(), ids, { role: opts.role, perPool: opts.first }), (v) => v.poolId);
      return ids.map((id) => byPool.get(id) ?? []);
    }).load(poolId);
  }
}

@Injectable()
export class GraphqlLoaderServices {
  constructor(
    readonly servers: ServersService,
    readonly pools: PoolsService,
    readonly images: ImagesService,
    readonly operations: OperationsService,
    readonly faults: FaultsService,
  ) {}

  /** The principal is read when a batch runs: the guard has authenticated the request by then. */
  forRequest(req: ContextualRequest, opts: { cache: boolean }): RequestLoaders {
    return new RequestLoaders(
      this,
      () => {
        if (!req.principal) throw new Error('GraphQL loader used before authentication');
        return req.principal;
      },
      opts.cache,
    );
  }
}
