/**
 * The LSTM rows of `npm run bench`: one recurrent training chunk on Copy (D.2's 256 units,
 * batch 256) with truncated BPTT, DNI and DNI+Aux, at T = 5 (the issue's row) and T = 8.
 *
 * What is timed:
 *   - ms per chunk: a stream of T-step batches that continue each other (the steady state of a
 *     long sequence: the state carries, and for DNI a synthetic gradient is made at every
 *     chunk's end and the previous one is regressed), median after warm-up chunks; wall-clock
 *     and this process's CPU time (the machine may be shared);
 *   - sequences per second: whole Copy sequences of N = 10 (21 steps, so 3 chunks at T = 8,
 *     5 at T = 5), batch / median wall time of a step;
 *   - GFLOP/s: the chunk's matmul FLOPs (chunkFlops) divided by its wall time, to set against
 *     the path's 1024³ calibration matmul printed beside it.
 */
import * as tf from '@tensorflow/tfjs';
import { COPY_OUTPUTS, copyInputs, CopyStream, disposeSequenceBatch } from '../lib/tasks/copy';
import { RecurrentTrainer } from '../lib/trainers/recurrent';
import { type RecurrentMethod, type RecurrentSpec, recurrentSpec } from '../lib/trainers/recurrent-spec';

export interface LstmBench {
  name: string;
  method: RecurrentMethod;
  T: number;
  hidden: number;
  batch: number;
}

export function lstmConfigs(): LstmBench[] {
  const out: LstmBench[] = [];
  for (const T of [5, 8])
    for (const method of ['bptt', 'dni', 'dniAux'] as const)
      out.push({ name: `lstm-copy ${method} T${T}`, method, T, hidden: 256, batch: 256 });
  return out;
}

export interface LstmTiming {
  /** Median wall ms per chunk. */
  ms: number;
  /** Median CPU ms per chunk (this process, all its threads). */
  cpuMs: number;
  /** Whole Copy sequences (N = 10) per second. */
  seqPerSec: number;
  /** Matmul FLOPs of one chunk. */
  flops: number;
}

/**
 * Matmul FLOPs of one steady-state chunk (2 per multiply-add): the LSTM's four gates forward,
 * the recurrent gradient dz·W_hᵀ, the weight gradients, the output layer and, for DNI, the
 * synthesizer's forward and regression (one hidden layer of width `hidden`).
 */
export function chunkFlops(spec: RecurrentSpec, B: number, T: number): number {
  const { inputs: I, hidden: H, outputs: O } = spec;
  const K = I + H;
  let f = T * 4 * 2 * B * K * H; // gates forward
  f += (spec.method === 'bptt' ? T - 1 : T) * 4 * 2 * B * H * H; // dz·W_hᵀ (DNI: the first step's too, for the target)
  f += 4 * 2 * K * T * B * H; // weight gradients
  f += 3 * 2 * T * B * H * O; // output layer: forward, weight gradient, ∂/∂h
  if (spec.method !== 'bptt') {
    const S = spec.synthesizer.width;
    const heads = spec.method === 'dniAux' ? 2 : 1;
    f += 2 * B * H * S + heads * 2 * B * S * 2 * H; // forward at the chunk's end
    f += heads * 2 * (2 * B * S * 2 * H) + 2 * H * B * S; // regression: heads' weight and input gradients, the hidden layer's weights
  }
  return f;
}

/** Time one config on the current kernel path. */
export function timeLstm(c: LstmBench, chunks: number): LstmTiming {
  const spec = recurrentSpec({
    inputs: copyInputs('copy'),
    outputs: COPY_OUTPUTS,
    hidden: c.hidden,
    T: c.T,
    method: c.method,
    synthesizer: { width: c.hidden },
  });
  const t = new RecurrentTrainer(spec);
  const stream = new CopyStream('copy', c.batch, 0);
  // A long Copy sequence cut into T-step batches that continue each other.
  const long = stream.next({ N: 200, R: 1 });
  const warmup = 5;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < warmup + chunks; i++) {
    const k = i % Math.floor(long.x.shape[0] / c.T);
    const part = {
      x: tf.slice(long.x, [k * c.T, 0, 0], [c.T, -1, -1]),
      y: tf.slice(long.y, [k * c.T, 0, 0], [c.T, -1, -1]),
      mask: tf.slice(long.mask, [k * c.T, 0], [c.T, -1]),
      starts: i === 0,
      ends: false,
    };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    t.step(part);
    const ms = performance.now() - t0;
    const used = process.cpuUsage(c0);
    if (i >= warmup) {
      wall.push(ms);
      cpu.push((used.user + used.system) / 1000);
    }
    disposeSequenceBatch(part);
  }
  disposeSequenceBatch(long);
  const seqTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const b = stream.next({ N: 10, R: 1 });
    const t0 = performance.now();
    t.step(b);
    seqTimes.push(performance.now() - t0);
    disposeSequenceBatch(b);
  }
  t.dispose();
  return { ms: median(wall), cpuMs: median(cpu), seqPerSec: (c.batch * 1000) / median(seqTimes), flops: chunkFlops(spec, c.batch, c.T) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
