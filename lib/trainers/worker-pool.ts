/**
 * Worker threads for the parallel trainers (parallel-trainer.ts, data-parallel.ts): one per
 * stage or replica, each with its own tfjs backend and OpenBLAS on `blasThreads` threads. Replies
 * are matched to requests by key; a worker that throws or exits fails the pool: every pending
 * and later request rejects with that worker's error and the other workers are terminated.
 *
 *   const pool = new WorkerPool('stage-worker', inits, ['stage 1 (units 1–2)', …], 1);
 *   const done = pool.expect('stats3', 1);   pool.post(0, work);   await done;   await pool.close();
 */
import path from 'node:path';
import { type TransferListItem, Worker } from 'node:worker_threads';

interface Waiter {
  resolve: (v: unknown[]) => void;
  reject: (e: Error) => void;
  parts: unknown[];
  need: number;
}

/** A worker file beside this one: .ts under tsx (tests, bench), .js in dist/ (notebooks). */
function workerFile(name: string): { file: string; execArgv: string[] } {
  const ext = path.extname(__filename);
  return { file: path.join(__dirname, `${name}${ext}`), execArgv: ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [] };
}

export class WorkerPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<string, Waiter>();
  private failure: Error | null = null;
  private closing = false;

  /**
   * `inits[i]` goes to worker i as workerData (with `transfers[i]` moved, e.g. MessagePorts);
   * `keyOf` names a reply for `expect`; `names[i]` names the worker in errors.
   */
  constructor(
    name: string,
    inits: { data: unknown; transfer: TransferListItem[] }[],
    readonly names: string[],
    blasThreads: number,
    private readonly keyOf: (m: { type: string; id?: number; step?: number }) => string,
  ) {
    const { file, execArgv } = workerFile(name);
    this.workers = inits.map(({ data, transfer }, i) => {
      const w = new Worker(file, {
        workerData: data,
        transferList: transfer,
        execArgv,
        env: { ...process.env, DNI_BLAS_THREADS: String(blasThreads) },
      });
      w.on('message', (m) => this.receive(i, m));
      w.on('error', (e) => this.fail(new Error(`${names[i]} failed: ${e.message}`)));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`${names[i]} exited with code ${code}`));
      });
      return w;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** A promise of `need` replies under `key` (index: the worker's), rejected if the pool fails first. */
  expect(key: string, need: number): Promise<unknown[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.set(key, { resolve, reject, parts: [], need }));
  }

  post(i: number, m: unknown, transfer: TransferListItem[] = []): void {
    if (!this.failure) this.workers[i].postMessage(m, transfer);
  }

  /** Terminate every worker (also after a failure); later requests reject. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.fail(new Error('the trainer is closed'));
  }

  private receive(i: number, m: { type: string; id?: number; step?: number }): void {
    const key = this.keyOf(m);
    const w = this.waiting.get(key);
    if (!w) return;
    w.parts[i] = m;
    if (Object.keys(w.parts).length < w.need) return;
    this.waiting.delete(key);
    w.resolve(w.need === 1 ? [m] : w.parts);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
    if (!this.closing) {
      this.closing = true;
      for (const w of this.workers) void w.terminate();
    }
  }
}
