/**
 * One run against the wall clock (runs/train-wall-clock.ts) on worker threads, as an experiment:
 * cached under results/ with a numerics fingerprint and the facts of the machine that timed it.
 * Backprop runs as replicas, each a share of every batch (data-parallel.ts); DNI and cDNI as
 * pipeline stages cut after the units in `cuts` (parallel-trainer.ts; no cut: one worker).
 *
 *   const run = await runWallClock('15-cpu-dni-2w-s1', spec, { label: 'DNI decoupled, 2 workers' });
 *   run.history.map((h) => [h.seconds, h.testError]);   run.machine.cpuModel;
 *
 * Seconds are this machine's: the entry keeps its CPU model and count, and how many cores other
 * processes kept busy during the run on average (the machine's busy CPU time less this process's),
 * because timings taken while other work shared the cores are not the method's. A run that
 * diverges throws (DivergenceError) and is not stored.
 *
 * The fingerprint is a miniature of the run (the same trainer kind, workers, cuts, depth, λ,
 * synthesizer depth and optimizer; widths of 6, synthesizers of 5, lr 0.01, ε 1e-3, 6 steps) on a
 * fixed random dataset through the same loop and workers, plus the digest of MNIST.
 */
import * as os from 'node:os';
import { randomDataset } from '../data/dataset';
import { depth, inputShape } from '../networks/spec';
import { type AsyncTrainer, trainWallClock, type WallClockResult, type WallClockSpec } from '../runs/train-wall-clock';
import { DataParallelTrainer } from '../trainers/data-parallel';
import { ParallelTrainer } from '../trainers/parallel-trainer';
import type { BPLambdaSpec } from '../trainers/spec';
import { cachedRun } from './cache';
import { datasetDigest, loadDataset } from './datasets';
import type { Fingerprint } from './fingerprint';

export interface WallClockRunSpec {
  trainer: BPLambdaSpec;
  /** 'replicas': data-parallel backprop on `workers`; 'stages': one pipeline stage per worker, cut after `cuts`. */
  parallel: 'replicas' | 'stages';
  workers: number;
  cuts: number[];
  /** Steps between a target's step and its use at a cut (stages only). */
  delay: number;
  run: WallClockSpec;
}

/** What the seconds depend on besides the method. */
export interface MachineFacts {
  cpuModel: string;
  cpus: number;
  /** Cores kept busy by other processes during the run, on average (near 0 on an idle machine). */
  otherCores: number;
  node: string;
  note: string;
}

export interface WallClockRun extends WallClockResult {
  machine: MachineFacts;
}

/** CPU milliseconds every core of the machine has been busy since boot. */
const busyMs = () => os.cpus().reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);

/** Measures how many cores other processes use while `f` runs (this process's threads, workers included, left out). */
async function othersDuring<T>(f: () => Promise<T>): Promise<{ value: T; otherCores: number }> {
  const [busy0, own0, wall0] = [busyMs(), process.cpuUsage(), performance.now()];
  const value = await f();
  const own = process.cpuUsage(own0);
  const others = busyMs() - busy0 - (own.user + own.system) / 1000;
  return { value, otherCores: Math.max(0, others / (performance.now() - wall0)) };
}

const IDLE_NOTE =
  'training seconds measured on this machine, each worker on one core with one OpenBLAS thread; they are the method’s only on an idle machine (nothing else on its cores)';

/** Start the run's workers. */
async function startTrainer(spec: WallClockRunSpec): Promise<AsyncTrainer & { close(): Promise<void> }> {
  return spec.parallel === 'replicas'
    ? DataParallelTrainer.start(spec.trainer, spec.workers)
    : ParallelTrainer.start(spec.trainer, spec.cuts, { delay: spec.delay });
}

/** Train one run on its workers; the workers end whatever happens. */
async function trainOn(
  spec: WallClockRunSpec,
  data: { train: Parameters<typeof trainWallClock>[1]; test: Parameters<typeof trainWallClock>[2] },
  onRecord?: Parameters<typeof trainWallClock>[5],
): Promise<WallClockResult> {
  const t = await startTrainer(spec);
  try {
    return await trainWallClock(t, data.train, data.test, spec.run, undefined, onRecord);
  } finally {
    await t.close();
  }
}

/** The miniature the fingerprint trains: the run's shape at toy widths, a few steps. */
function miniature(spec: WallClockRunSpec): WallClockRunSpec {
  const t = spec.trainer;
  const shrink = <S extends { width?: number }>(s: S): S => (s.width === undefined ? s : { ...s, width: Math.min(s.width, 5) });
  const net = t.network;
  if (net.kind !== 'fcn') throw new Error(`runWallClock: FCNs only (the stage split counts FCN matmuls), got '${net.kind}'`);
  const trainer: BPLambdaSpec = {
    ...t,
    network: { ...net, input: 12, hidden: net.hidden.map(() => 6) },
    synthesizer: shrink(t.synthesizer),
    synthesizers: Object.fromEntries(Object.entries(t.synthesizers).map(([k, s]) => [k, shrink(s)])),
    // A large ε, as in fingerprint.ts: Adam would turn float noise into full-size steps that differ by backend.
    optimizer: { ...t.optimizer, lr: 0.01, eps: 1e-3, decaySteps: t.optimizer.decaySteps.map((_, i) => 3 + i) },
  };
  const { seconds: _s, evalSeconds: _e, ...run } = spec.run;
  return { ...spec, trainer, run: { ...run, steps: 6, batchSize: 16, evalEvery: 2, evalBatch: 20 } };
}

async function wallClockProbe(spec: WallClockRunSpec): Promise<number[]> {
  const data = { train: randomDataset([12], 10, 64, 1, 'probe1'), test: randomDataset([12], 10, 30, 2, 'probe2') };
  const r = await trainOn(miniature(spec), data);
  // Losses, not error rates or seconds: those move with float noise and with the clock.
  return [...r.history.flatMap((h) => [h.step, h.trainLoss, h.testLoss]), depth(spec.trainer.network)].map((v) =>
    Number.isFinite(v) ? v : -1,
  );
}

export async function wallClockFingerprint(spec: WallClockRunSpec): Promise<Fingerprint> {
  return { probe: await wallClockProbe(spec), data: datasetDigest('mnist') };
}

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

/** A run's last record in one line. */
function summary(r: WallClockRun): string {
  const f = r.history[r.history.length - 1];
  return `${r.steps} steps in ${f.seconds.toFixed(1)} s of training (${r.msPerStep.toFixed(1)} ms/step), test error ${pct(f.testError)}; timed on ${r.machine.cpus} × ${r.machine.cpuModel}, other processes busy on ${r.machine.otherCores.toFixed(2)} cores`;
}

/** Train (or reuse the cached result of) one wall-clock run on MNIST. */
export async function runWallClock(
  name: string,
  spec: WallClockRunSpec,
  opts: { label?: string; quiet?: boolean } = {},
): Promise<WallClockRun> {
  const label = opts.label ?? name;
  return cachedRun(
    name,
    { task: 'wall-clock', dataset: 'mnist', ...spec },
    async () => {
      const cpus = os.cpus();
      const budget = spec.run.seconds;
      let next = 0;
      // About five lines per run: at each fifth of the budget (of the steps, without one), and the last.
      // The FCN reads each image as one vector.
      const shape = inputShape(spec.trainer.network);
      const { train, test } = loadDataset('mnist');
      const data = { train: { ...train, shape }, test: { ...test, shape } };
      const { value: r, otherCores } = await othersDuring(() =>
        trainOn(spec, data, (h) => {
          const done = budget !== undefined ? h.seconds / budget : h.step / spec.run.steps;
          if (done < next) return;
          next = Math.floor(done * 5 + 1) / 5;
          console.log(`${label}: ${h.seconds.toFixed(1)} s trained, step ${h.step}, test error ${pct(h.testError)}`);
        }),
      );
      const machine: MachineFacts = {
        cpuModel: cpus[0]?.model ?? 'unknown',
        cpus: cpus.length,
        otherCores,
        node: process.version,
        note: IDLE_NOTE,
      };
      const run: WallClockRun = { ...r, machine };
      console.log(`${label}: ${summary(run)}`);
      return run;
    },
    {
      fingerprint: () => wallClockFingerprint(spec),
      quiet: true,
      onHit: (r: WallClockRun, createdAt: string) => {
        if (!opts.quiet) console.log(`${label}: cached run of ${createdAt.slice(0, 10)}: ${summary(r)}`);
      },
    },
  );
}
