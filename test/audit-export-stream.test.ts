import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from 'pg';
import { seedAuditChain, sampleEvent } from './support/audit-seed';
import { startTestApp, TestApp } from './support/app';

const ROWS = 100_000;

// Measure what is retained, not garbage not yet collected: a full GC before each sample.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const retainedHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/** The export must stream: a range far larger than the heap headroom it is allowed. */
describe('audit export of a large range', () => {
  let t: TestApp;
  let auditor: string;

  beforeAll(async () => {
    t = await startTestApp();
    auditor = await t.key('auditor');
    const su = new Client({ connectionString: t.databaseUrl });
    await su.connect();
    await seedAuditChain(su, ROWS, (i) => sampleEvent(i, { start: new Date('2025-01-01T00:00:00Z'), stepMs: 1000, servers: 50, actors: 10, pools: ['pool-ascend-a', 'pool-gpu-b'], padding: 800 }), { batch: 5000 });
    await su.end();
  }, 300_000);
  afterAll(() => t.close());

  it(`streams ${ROWS} rows (~100 MB) with flat heap, reading at the client's pace`, async () => {
    const port = (t.app.getHttpServer().address() as AddressInfo).port;
    const baseline = retainedHeap();
    let peak = baseline;
    let samples = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, retainedHeap());
      samples += 1;
    }, 100);
    const { bytes, lines } = await new Promise<{ bytes: number; lines: number }>((resolve, reject) => {
      const req = http.get({ port, path: '/v1/audit-events/export?format=ndjson', headers: { Authorization: `Bearer ${auditor}` } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
        let b = 0;
        let n = 0;
        res.on('data', (chunk: Buffer) => {
          b += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n += 1;
          // A slow consumer now and then: the server must wait (backpressure), not buffer.
          if (n % 20_000 < 50) {
            res.pause();
            setTimeout(() => res.resume(), 20);
          }
        });
        res.on('end', () => resolve({ bytes: b, lines: n }));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    clearInterval(sampler);
    const growthMb = (peak - baseline) / 1024 / 1024;
    expect(lines).toBeGreaterThanOrEqual(ROWS);
    expect(bytes).toBeGreaterThan(90 * 1024 * 1024);
    // Built in memory, 100 MB of rows would cost several times that in heap.
    expect(samples).toBeGreaterThan(5);
    expect(growthMb).toBeLessThan(32);
    console.log(`exported ${lines} rows, ${(bytes / 1048576).toFixed(0)} MB; peak retained heap growth ${growthMb.toFixed(1)} MB over ${samples} samples`);
  }, 300_000);
});
