import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { APP_CONFIG, AppConfig } from '../config/config';
import { OPERATION_CHANNEL, OperationChangedEvent, SERVER_CHANNEL, ServerChangedEvent } from './change-events';

interface Channels {
  [SERVER_CHANNEL]: ServerChangedEvent;
  [OPERATION_CHANNEL]: OperationChangedEvent;
}
export type Channel = keyof Channels;

/** Most events a slow subscriber may have queued before the oldest are dropped. */
const MAX_QUEUE = 1000;

/**
 * One dedicated connection per replica LISTENs to the change channels and fans
 * the notifications out to this replica's subscribers, whichever replica made
 * the change. The connection is re-established with backoff if it drops.
 */
@Injectable()
export class ChangeFeed implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ChangeFeed');
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private client?: Client;
  private stopped = false;
  private retryMs = 250;
  private retryTimer?: NodeJS.Timeout;
  private listening = false;
  private established = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
    this.emitter.removeAllListeners();
  }

  /** True while the LISTEN connection is up (readiness, tests). */
  get isListening(): boolean {
    return this.listening;
  }

  /** How many times LISTEN has been established (1 + reconnections). */
  get connections(): number {
    return this.established;
  }

  /** Active subscriptions on this replica (metrics, tests). */
  get subscribers(): number {
    return this.emitter.listenerCount(SERVER_CHANNEL) + this.emitter.listenerCount(OPERATION_CHANNEL);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 5_000 });
    this.client = client;
    const lost = (why: string) => {
      if (this.client !== client || this.stopped) return;
      this.listening = false;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.logger.warn(`LISTEN connection lost (${why}); reconnecting in ${this.retryMs} ms`);
      this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5_000);
    };
    client.on('error', (e) => lost(e.message));
    client.on('end', () => lost('connection ended'));
    client.on('notification', (n) => this.dispatch(n.channel, n.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${SERVER_CHANNEL}`);
      await client.query(`LISTEN ${OPERATION_CHANNEL}`);
      this.listening = true;
      this.established++;
      this.retryMs = 250;
    } catch (e) {
      lost((e as Error).message);
    }
  }

  private dispatch(channel: string, payload: string | undefined): void {
    if (!payload) return;
    try {
      this.emitter.emit(channel, JSON.parse(payload));
    } catch (e) {
      this.logger.warn(`bad notification on ${channel}: ${(e as Error).message}`);
    }
  }

  /** An async iterator of this channel's events that pass `filter`, ended by return(). */
  subscribe<C extends Channel>(channel: C, filter: (e: Channels[C]) => boolean): AsyncIterableIterator<Channels[C]> {
    const queue: Channels[C][] = [];
    let waiting: ((r: IteratorResult<Channels[C]>) => void) | undefined;
    let done = false;
    const onEvent = (e: Channels[C]) => {
      if (done || !filter(e)) return;
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w({ value: e, done: false });
      } else {
        queue.push(e);
        if (queue.length > MAX_QUEUE) queue.shift();
      }
    };
    this.emitter.on(channel, onEvent);
    const finish = (): Promise<IteratorResult<Channels[C]>> => {
      done = true;
      this.emitter.off(channel, onEvent);
      queue.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: finish,
      throw: (e) => {
        void finish();
        return Promise.reject(e);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
