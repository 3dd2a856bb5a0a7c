/**
 * A numerics fingerprint of a run: what the code computes, not what its source says. The
 * results cache keeps it beside each run and reuses the run only while it still matches, so a
 * comment or a rename leaves committed results valid and a changed formula does not.
 *
 * The probe is a miniature of the run: the same network kind, depth, pooling, λ per connection,
 * synthesizer settings, optimizer and seeds, with every width shrunk, long runs of identical
 * layers shortened, and a large learning rate
 * (so synthetic gradients, zero at the start, matter within the probe), trained for a few steps by
 * the real run loop on a fixed synthetic dataset (batching, evaluation and training error
 * included). Its numbers are compared with a tolerance, so float-level differences between
 * backends or matmul paths do not count. The data the run would read is covered by a digest of
 * the loaded dataset.
 */
import { depth, inputShape, type NetworkSpec } from '../networks/spec';
import { randomDataset } from '../data/dataset';
import type { SynthesizerSpec } from '../synthesizers/spec';
import { type RunSpec, train } from '../runs/train-classifier';
import type { RunResult } from '../runs/loop';
import type { RecurrentSpec } from '../trainers/recurrent-spec';
import { type BPLambdaSpec, synthesizerFor } from '../trainers/spec';
import { datasetDigest, type DatasetName } from './datasets';

export interface Fingerprint {
  /** The probe's numbers (losses, errors, parameter sums), compared with a tolerance. */
  probe: number[];
  /** Digest of the dataset's contents, compared exactly. */
  data: string;
}

/** Relative tolerance of a probe number (float32 rounding differs far less; a formula change far more). */
export const PROBE_RTOL = 2e-3;
const PROBE_ATOL = 1e-6;

function miniSynth<T extends Partial<SynthesizerSpec>>(s: T): T {
  return s.width === undefined ? s : { ...s, width: Math.min(s.width, 5) };
}

/** The probe's learning rate: large, so synthesizers (zero at the start) matter within a few steps. */
const PROBE_LR = 0.01;
const PROBE_EPS = 1e-3;

/**
 * The connections the probe keeps: runs of more than two identical connections (same λ, same
 * synthesizer) shortened to two, so a 21-layer backprop net is probed as a 3-layer one. Deep
 * stacks of tiny layers amplify rounding until backends disagree; the code paths are the same.
 */
function keptConnections(spec: BPLambdaSpec): number[] {
  const id = (k: number) => JSON.stringify([spec.lambda[k - 1], synthesizerFor(spec, k)]);
  const kept: number[] = [];
  for (let k = 1; k <= spec.lambda.length; k++) {
    const n = kept.length;
    if (n >= 2 && id(kept[n - 1]) === id(k) && id(kept[n - 2]) === id(k)) continue;
    kept.push(k);
  }
  return kept;
}

function miniTrainer(spec: BPLambdaSpec): BPLambdaSpec {
  const decay = spec.optimizer.decaySteps;
  const kept = keptConnections(spec);
  const net = spec.network;
  const network: NetworkSpec =
    net.kind === 'fcn'
      ? { ...net, input: 12, hidden: kept.map(() => 6) }
      : { ...net, input: [8, 8, net.input[2]], filters: kept.map(() => 3), pools: kept.map((k) => net.pools[k - 1]) };
  return {
    ...spec,
    network,
    lambda: kept.map((k) => spec.lambda[k - 1]),
    synthesizer: miniSynth(spec.synthesizer),
    syntheticInputs: spec.syntheticInputs && miniSynth(spec.syntheticInputs),
    synthesizers: Object.fromEntries(kept.map((k, i) => [String(i + 1), miniSynth(synthesizerFor(spec, k))])),
    // Decay steps moved inside the probe, so the schedule's code runs too. A large ε keeps Adam
    // from turning float noise (e.g. the gradient of a bias that BatchNorm cancels, zero but for
    // rounding) into full-size steps that differ from backend to backend.
    optimizer: { ...spec.optimizer, lr: PROBE_LR, eps: PROBE_EPS, decaySteps: decay.map((_, i) => 3 + i) },
  };
}

/**
 * The recurrent probes' trainer (Copy, the char-LM): the run's method, targets and synthesizer
 * settings on 8 LSTM units with an 8-wide synthesizer, T up to 3, and a large learning rate.
 */
export function miniRecurrentTrainer(trainer: RecurrentSpec): RecurrentSpec {
  return {
    ...trainer,
    hidden: 8,
    T: trainer.T === 'full' ? 'full' : Math.min(trainer.T, 3),
    synthesizer: { ...trainer.synthesizer, width: 8 },
    optimizer: { ...trainer.optimizer, lr: PROBE_LR },
  };
}

/** The probe's numbers for a run spec (a few milliseconds to a second). */
export async function probe(run: RunSpec): Promise<number[]> {
  const trainer = miniTrainer(run.trainer);
  // A fixed synthetic dataset of the mini network's input shape.
  const shape = inputShape(trainer.network);
  const data = {
    train: randomDataset(shape, trainer.network.classes, 64, 1, 'probe1'),
    test: randomDataset(shape, trainer.network.classes, 30, 2, 'probe2'),
  };
  let sums: number[] = [];
  const r: RunResult = await train(
    { ...run, trainer, steps: 6, batchSize: 16, evalEvery: 2, evalExamples: 20, trainEvalExamples: 7 },
    data,
    {
      keep: (t) => {
        sums = t.params().flatMap((p) => {
          const v = p.dataSync();
          // Σ|v| and Σv²: positive, so no cancellation makes float noise look large.
          let a = 0;
          let q = 0;
          for (let i = 0; i < v.length; i++) {
            a += Math.abs(v[i]);
            q += v[i] * v[i];
          }
          return [a, q];
        });
        t.dispose();
      },
    },
  );
  const out: number[] = [];
  for (const rec of r.history) {
    // Losses, not error rates: an argmax that float noise flips would change an error rate by a whole example.
    out.push(rec.trainLoss, rec.testLoss);
    for (const v of Object.values(rec.series)) out.push(...v);
  }
  out.push(...sums, depth(run.trainer.network));
  return out.map((v) => (Number.isFinite(v) ? v : -1));
}

/** The fingerprint of an experiment: its probe and its data. */
export async function fingerprint(dataset: DatasetName, run: RunSpec): Promise<Fingerprint> {
  return { probe: await probe(run), data: datasetDigest(dataset) };
}

/** Why two fingerprints differ, or null when they match within the tolerance. */
export function fingerprintMismatch(stored: Fingerprint, now: Fingerprint): string | null {
  if (stored.data !== now.data) return `the dataset's contents changed (digest ${stored.data} → ${now.data})`;
  if (stored.probe.length !== now.probe.length)
    return `the numerics probe has ${now.probe.length} numbers, the stored one ${stored.probe.length}`;
  for (let i = 0; i < now.probe.length; i++) {
    const [a, b] = [stored.probe[i], now.probe[i]];
    if (Math.abs(a - b) > PROBE_ATOL + PROBE_RTOL * Math.max(Math.abs(a), Math.abs(b))) {
      return `numerics changed (probe number ${i}: ${a} stored, ${b} now)`;
    }
  }
  return null;
}
