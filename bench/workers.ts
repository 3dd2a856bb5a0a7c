/**
 * npm run bench -- --workers N [--steps S]
 *
 * Decoupled units on parallel workers (lib/trainers/parallel-trainer.ts), timed: ms per training
 * step of the 6-layer MNIST FCN (batch 256, Adam) with every-layer DNI (2×1024 synthesizers) and
 * cDNI (linear synthesizers), in one process (BPLambdaTrainer) and on 1..N worker threads, one
 * pipeline stage per worker, cut where the units' matmul FLOPs balance (stage-split.ts), with
 * stages + 2 steps in flight. Backprop cannot be cut (every connection waits for the one above):
 * on w workers it runs data-parallel (data-parallel.ts), each replica a share of every batch, so
 * every comparison is w cores against w cores. Every thread's OpenBLAS runs on one thread.
 * Each row: wall time of S steps ÷ S after warm-up, the speed-up over one worker, and the
 * matmul GFLOP/s (the step's FLOPs ÷ its time) beside a 1024³ matmul timed in the same run.
 * JSON lines: { variant, depth, workers, msPerStep, cuts, gflops, calibrationGflops }.
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../lib/core/backend';
import { Batcher, batchTensors } from '../lib/data/dataset';
import { loadMnist } from '../lib/data/mnist';
import { methodSpec } from '../lib/experiments/methods';
import { mnistFcn } from '../lib/networks/build';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { DataParallelTrainer } from '../lib/trainers/data-parallel';
import { ParallelTrainer, trainParallel as stepsOf } from '../lib/trainers/parallel-trainer';
import { type BPLambdaSpec, bpLambdaSpec } from '../lib/trainers/spec';
import { balancedCuts, unitFlops } from '../lib/trainers/stage-split';
import { calibrationGflops } from './paths';

const DEPTH = 6;
const BATCH = 256;
const SYNTH = { bprop: {}, dni: { hiddenLayers: 2, width: 1024 }, cdni: { hiddenLayers: 0 } } as const;

function specOf(variant: keyof typeof SYNTH): BPLambdaSpec {
  const m = methodSpec(variant, DEPTH);
  return bpLambdaSpec({
    network: mnistFcn(DEPTH),
    lambda: m.lambda,
    synthesizer: { ...SYNTH[variant], ...m.synthesizer },
    optimizer: { lr: 1e-4 },
  });
}

export async function benchWorkers(maxWorkers: number, steps: number, json: boolean): Promise<void> {
  // One OpenBLAS thread in this process too (the setting is read when the backend starts): one core per trainer.
  process.env.DNI_BLAS_THREADS = '1';
  const info = await initBackend();
  const gflopsRef = Number(calibrationGflops().toFixed(1));
  if (!json) console.log(`${describeBackend(info)}\ncalibration 1024³ matmul: ${gflopsRef} GFLOP/s (one thread)\n`);
  const train = loadMnist().train;
  const batcher = new Batcher(train, BATCH, 0, { dropRemainder: true });
  const next = () => batchTensors(batcher.next(), [784]);
  const warmup = 20;
  const rows: { variant: string; depth: number; workers: number | 'in-process'; msPerStep: number; cuts: number[]; gflops: number }[] = [];
  for (const variant of ['dni', 'cdni', 'bprop'] as const) {
    const spec = specOf(variant);
    const flops = unitFlops(spec, BATCH).reduce((a, b) => a + b, 0);
    const add = (workers: number | 'in-process', ms: number, cuts: number[]) => {
      const r = { variant, depth: DEPTH, workers, msPerStep: Number(ms.toFixed(1)), cuts, gflops: Number((flops / (ms * 1e6)).toFixed(1)) };
      rows.push(r);
      if (json) console.log(JSON.stringify({ ...r, calibrationGflops: gflopsRef }));
    };
    // One process, no workers: the trainer every notebook uses.
    const t = new BPLambdaTrainer(spec);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) {
        const b = next();
        t.step(b);
        tf.dispose([b.x, b.y]);
      }
    };
    run(warmup);
    const t0 = performance.now();
    run(steps);
    add('in-process', (performance.now() - t0) / steps, []);
    t.dispose();
    for (let w = 1; w <= maxWorkers; w++) {
      // Backprop cannot be cut: its baseline on w workers is data-parallel (each replica a share of the batch).
      if (variant === 'bprop') {
        const d = await DataParallelTrainer.start(spec, w);
        try {
          await stepsOf(d, warmup, next, 2);
          const t0 = performance.now();
          await stepsOf(d, steps, next, 2);
          add(w, (performance.now() - t0) / steps, []);
        } finally {
          await d.close();
        }
        continue;
      }
      const cuts = w === 1 ? [] : balancedCuts(spec, w, BATCH);
      const p = await ParallelTrainer.start(spec, cuts);
      try {
        await stepsOf(p, warmup, next, w + 2);
        const t0 = performance.now();
        await stepsOf(p, steps, next, w + 2);
        add(w, (performance.now() - t0) / steps, cuts);
      } finally {
        await p.close();
      }
    }
  }
  if (json) return;
  console.log(`ms per step, 6-layer MNIST FCN, batch ${BATCH}: wall time of ${steps} steps after ${warmup} warm-up steps\n`);
  const h = ['variant', 'workers', 'stages (units) / replicas', 'ms/step', 'speed-up over 1 worker', 'GFLOP/s', 'of the 1024³ matmul'];
  console.log(`| ${h.join(' | ')} |\n|${h.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const one = rows.find((x) => x.variant === r.variant && x.workers === 1);
    const stages =
      r.variant === 'bprop' ? `${r.workers} replica(s)` : [...r.cuts, DEPTH].map((b, i, a) => `${i ? a[i - 1] + 1 : 1}–${b}`).join(', ');
    const speed = one && typeof r.workers === 'number' ? `${(one.msPerStep / r.msPerStep).toFixed(2)}×` : '—';
    console.log(
      `| ${[r.variant, r.workers, r.workers === 'in-process' ? '—' : stages, r.msPerStep, speed, r.gflops, `${((100 * r.gflops) / gflopsRef).toFixed(0)}%`].join(' | ')} |`,
    );
  }
}
