/**
 * One D.3 run (runs/train-two-clocks.ts) as an experiment: cached under results/ with a numerics
 * fingerprint, with progress lines, like the other runs.
 *
 *   const run = await runTwoClocks('14-cpu-dni-s1', spec, { label: 'DNI' });
 *
 * The fingerprint is a miniature of the run (the same method, clocks, counts, synthesizer depth,
 * scale and optimizer; widths of 6, batch 6, 4 steps, lr 0.01, ε 1e-3) trained by the same loop on
 * a fixed random dataset, plus the digest of MNIST: a change in the data, the formulas or the
 * loop changes it; a refactor does not.
 */
import { Progress } from '../core/progress';
import { randomDataset } from '../data/dataset';
import { type TwoClocksResult, type TwoClocksRunSpec, trainTwoClocks } from '../runs/train-two-clocks';
import { cachedRun } from './cache';
import { datasetDigest, loadDataset } from './datasets';
import type { Fingerprint } from './fingerprint';

async function twoClocksProbe(spec: TwoClocksRunSpec): Promise<number[]> {
  const t = spec.trainer;
  const mini: TwoClocksRunSpec = {
    ...spec,
    trainer: {
      ...t,
      net: { fcnWidth: 6, hidden: 6, messageWidth: 6 },
      synthesizer: { ...t.synthesizer, width: 6 },
      // A large ε, as in fingerprint.ts: Adam would turn float noise into full-size steps that differ by backend.
      optimizer: { ...t.optimizer, lr: 0.01, eps: 1e-3, decaySteps: t.optimizer.decaySteps.map((_, i) => 2 + i) },
    },
    steps: 4,
    batchSize: 6,
    evalEvery: 2,
    evalSequences: 12,
  };
  const ds = randomDataset([784], 10, 64, 5, 'probe');
  const r = await trainTwoClocks(mini, { train: ds, test: ds });
  return r.history.flatMap((h) => Object.values(h)).map((v) => (Number.isFinite(v) ? v : -1));
}

export async function twoClocksFingerprint(spec: TwoClocksRunSpec): Promise<Fingerprint> {
  return { probe: await twoClocksProbe(spec), data: datasetDigest('mnist') };
}

/** A run's last measurement in one line. */
function summary(r: TwoClocksResult): string {
  const f = r.history[r.history.length - 1];
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  return `${f.step} steps at ${r.msPerStep.toFixed(0)} ms/step; A ${pct(f.accA)}, B ${pct(f.accB)} right on the test sequences`;
}

/** Train (or reuse the cached result of) one D.3 run. */
export async function runTwoClocks(
  name: string,
  spec: TwoClocksRunSpec,
  opts: { label?: string; quiet?: boolean } = {},
): Promise<TwoClocksResult> {
  const label = opts.label ?? name;
  return cachedRun(
    name,
    { task: 'two-clocks', dataset: 'mnist', run: spec },
    async () => {
      const progress = new Progress(spec.steps, { label });
      const result = await trainTwoClocks(spec, loadDataset('mnist'), {
        onEval: (r) =>
          progress.log({
            step: r.step,
            'A acc': r.accA,
            'B acc': r.accB,
            ...(Number.isFinite(r.sgCosine) ? { 'SG cos': r.sgCosine } : {}),
          }),
      });
      progress.done();
      return result;
    },
    {
      fingerprint: () => twoClocksFingerprint(spec),
      quiet: true,
      onHit: (r: TwoClocksResult, createdAt: string) => {
        if (!opts.quiet) console.log(`${label}: cached run of ${createdAt.slice(0, 10)}: ${summary(r)}`);
      },
    },
  );
}
