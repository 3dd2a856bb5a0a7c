/** Tensor assertions and fixtures for the tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { NetworkSpec } from '../lib/networks/spec';
import { Rng } from '../lib/core/rng';
import type { EvalRecord, RunResult } from '../lib/runs/loop';
import type { StepStats, Trainer } from '../lib/trainers/trainer';
import { type CopyLevel, copyArrays, copyInputs } from '../lib/tasks/copy';
import type { SequenceBatch } from '../lib/tasks/sequence';
import type { CopyRecord, CopyRunResult } from '../lib/runs/train-copy';

/** A tensor of normal draws from `rng` (mean 0, deviation `std`). */
export function randn(rng: Rng, shape: number[], std = 1): tf.Tensor {
  return tf.tensor(
    rng.normals(
      shape.reduce((a, b) => a * b, 1),
      std,
    ),
    shape,
  );
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

export function maxAbs(a: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
}

/**
 * Assert a ≈ b elementwise: |a − b| ≤ rtol·max|·| + atol. The absolute floor is
 * for gradients that are exactly zero in theory (a bias feeding BatchNorm).
 */
export function assertClose(a: tf.Tensor, b: tf.Tensor, rtol: number, what: string, atol = 1e-5): void {
  if (a.shape.join() !== b.shape.join()) throw new Error(`${what}: shapes differ [${a.shape}] vs [${b.shape}]`);
  const scale = Math.max(maxAbs(a), maxAbs(b), 1e-12);
  const d = maxAbsDiff(a, b);
  if (d > rtol * scale + atol)
    throw new Error(`${what}: max |a − b| = ${d.toExponential(3)} exceeds ${rtol} × ${scale.toExponential(3)} + ${atol}`);
}

/** A seeded random batch for a network: uniform inputs and labels below its class count. */
export function randomBatch(net: NetworkSpec, b: number, seed: number): { x: tf.Tensor; y: tf.Tensor1D } {
  const rng = new Rng(seed);
  const shape = net.kind === 'fcn' ? [net.input] : net.input;
  const n = shape.reduce((a, c) => a * c, 1);
  const x = tf.tensor(
    Float32Array.from({ length: b * n }, () => rng.uniform()),
    [b, ...shape],
  );
  const y = tf.tensor1d(
    Int32Array.from({ length: b }, () => rng.int(net.classes)),
    'int32',
  );
  return { x, y };
}

/** A classifier run whose test (and training) errors, in %, at evaluations every 100 steps are given. */
export function errorRun(test: number[], train: number[] = test): RunResult {
  const history: EvalRecord[] = test.map((t, i) => ({
    step: 100 * (i + 1),
    trainLoss: 1,
    trainBatchError: 0,
    trainError: train[i] / 100,
    testLoss: 1,
    testError: t / 100,
    series: {},
    seconds: i,
  }));
  return { history, final: history[history.length - 1], msPerStep: 1 };
}

/**
 * A measured step between a warm-up step and a plain one, asserting the three leave no tensor
 * behind (the tensors of the batch aside); returns the measured step's statistics.
 */
export function leakFreeMeasuredStep<B>(t: Trainer<B>, batch: B): StepStats {
  t.step(batch, { stats: true, measureSG: true });
  const before = tf.memory().numTensors;
  const s = t.step(batch, { stats: true, measureSG: true })!;
  t.step(batch);
  if (tf.memory().numTensors !== before) throw new Error(`a training step leaked ${tf.memory().numTensors - before} tensor(s)`);
  return s;
}

/** Steps [from, to) of `batch` Repeat Copy sequences at `level`; it starts / ends the sequences when it holds their first / last step. */
export function repeatCopyBatch(level: CopyLevel, batch: number, seed: number, from = 0, to?: number): SequenceBatch {
  const I = copyInputs('repeatCopy');
  const a = copyArrays('repeatCopy', level, batch, new Rng(seed));
  const end = to ?? a.L;
  const n = end - from;
  return {
    x: tf.tensor3d(a.x.slice(from * batch * I, end * batch * I), [n, batch, I]),
    y: tf.tensor3d(a.y.slice(from * batch * 8, end * batch * 8), [n, batch, 8]),
    mask: tf.tensor2d(a.mask.slice(from * batch, end * batch), [n, batch]),
    starts: from === 0,
    ends: end === a.L,
  };
}

/** Runs `fn` with these environment variables set (undefined: unset), then restores what it found. */
export async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T | Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  set(vars);
  try {
    return await fn();
  } finally {
    set(saved);
  }
}

/**
 * Run `fn` at smoke scale with the results cache in a fresh temporary folder (removed after),
 * and the runs' progress lines silenced: a section's runs trained, stored and reused in a test.
 */
export async function atSmokeScale<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const log = console.log;
  console.log = () => {};
  try {
    return await withEnv({ DNI_SCALE: 'smoke', DNI_RESULTS_DIR: dir }, () => fn(dir));
  } finally {
    console.log = log;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A Copy run checked every 100 sequences, with the solved time dependency at each check. */
export function copyRun(dependencies: number[]): CopyRunResult {
  const history: CopyRecord[] = dependencies.map((dependency, i) => ({
    step: i + 1,
    samples: 100 * (i + 1),
    level: { N: dependency + 1, R: 1 },
    bits: 1,
    error: 0,
    trainBits: 1,
    solved: dependency ? { N: dependency, R: 1 } : null,
    dependency,
    series: {},
    probe: null,
    crossings: [],
    seconds: i,
  }));
  const max = Math.max(...dependencies);
  return {
    history,
    final: history[history.length - 1],
    advances: [],
    maxSolved: max ? { N: max, R: 1 } : null,
    maxDependency: max,
    updates: dependencies.length,
    samples: 100 * dependencies.length,
    msPerStep: 1,
  };
}
