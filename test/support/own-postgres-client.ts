import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { until } from './app';
import { freePort } from './process';

/** A PostgreSQL of a test's own (never the shared one), which the test may stop and start. */
export interface OwnPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its data directory. */
  exit(): Promise<void>;
}

/** Starts test/support/own-postgres.js in a temporary directory and drives it over stdin. */
export async function startOwnPostgres(prefix = 'liteserver-own-pg-'): Promise<OwnPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // initdb runs as the postgres user when started as root
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'own-postgres.js'), dir, String(await freePort())], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const expectLine = (line: string) =>
    until(
      `own postgres: ${line}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`own postgres exited: ${err}`);
        const i = out.indexOf(line);
        if (i < 0) return undefined;
        const rest = out.slice(i);
        const end = rest.indexOf('\n');
        if (end < 0) return undefined;
        out = out.slice(i + end + 1);
        return rest.slice(0, end);
      },
      90_000,
    );
  const send = async (cmd: string, reply: string) => {
    child.stdin!.write(`${cmd}\n`);
    await expectLine(reply);
  };
  try {
    const ready = await expectLine('ready ');
    return {
      url: ready.slice('ready '.length),
      stop: () => send('stop', 'stopped'),
      start: () => send('start', 'started'),
      exit: async () => {
        child.stdin!.end();
        await exited;
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
