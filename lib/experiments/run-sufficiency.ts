/**
 * One section B run (runs/train-sufficiency.ts) as an experiment: cached under results/ with a
 * numerics fingerprint, with progress lines, like the other runs.
 *
 *   const run = await runSufficiency('13-cpu-dni-s1', spec, { label: 'DNI, M(h), seed 1' });
 *
 * The fingerprint is a miniature of the run (the same task, synthesizer kind, depth and
 * conditioning, top motion and optimizer; 5 hidden units, batch 8, 6 steps, lr 0.01, ε 1e-3) trained by
 * the same loop: a change in the task, the formulas or the loop changes it; a refactor does not.
 */
import { Progress } from '../core/progress';
import type { SufficiencySpec } from '../runs/sufficiency-spec';
import { type SufficiencyRecord, type SufficiencyResult, trainSufficiency } from '../runs/train-sufficiency';
import { cachedRun } from './cache';
import type { Fingerprint } from './fingerprint';

/** The miniature's numbers: every measurement at each of its checks. */
async function sufficiencyProbe(spec: SufficiencySpec): Promise<number[]> {
  const mini: SufficiencySpec = {
    ...spec,
    synthesizer: { ...spec.synthesizer, width: Math.min(spec.synthesizer.width, 5) },
    // A large ε, as in fingerprint.ts: Adam would turn float noise (a bias that batch norm cancels) into full-size steps that differ by backend.
    optimizer: { ...spec.optimizer, lr: 0.01, eps: 1e-3, decaySteps: spec.optimizer.decaySteps.map((_, i) => 3 + i) },
    drift: { warmup: 2, period: 4 },
    steps: 6,
    batchSize: 8,
    evalEvery: 2,
    evalExamples: 16,
    lags: spec.lags.slice(0, 2),
  };
  const r = await trainSufficiency(mini);
  const out: number[] = [];
  for (const rec of r.history) {
    const { lagErrors, ...rest } = rec;
    out.push(...Object.values(rest), ...lagErrors);
  }
  return out.map((v) => (Number.isFinite(v) ? v : -1));
}

export async function sufficiencyFingerprint(spec: SufficiencySpec): Promise<Fingerprint> {
  return { probe: await sufficiencyProbe(spec), data: 'generated' };
}

/** A run's last measurement in one line. */
function summary(r: SufficiencyResult): string {
  const f = r.history[r.history.length - 1];
  return (
    `${f.step} steps at ${r.msPerStep.toFixed(1)} ms/step; at the last measurement ‖M − E[g|h]‖² ${f.expectedError.toPrecision(3)}, ` +
    `‖M − g‖² ${f.sampleError.toPrecision(3)}, irreducible variance ${f.variance.toPrecision(3)}`
  );
}

/** Train (or reuse the cached result of) one section B run. */
export async function runSufficiency(
  name: string,
  spec: SufficiencySpec,
  opts: { label?: string; quiet?: boolean } = {},
): Promise<SufficiencyResult> {
  const label = opts.label ?? name;
  return cachedRun(
    name,
    { task: 'sufficiency', run: spec },
    async () => {
      const progress = new Progress(spec.steps, { label });
      const result = await trainSufficiency(spec, {
        onEval: (r: SufficiencyRecord) =>
          progress.log({
            step: r.step,
            'vs E[g|h]': r.expectedError,
            'vs g': r.sampleError,
            variance: r.variance,
            ...(Number.isFinite(r.stoppedError) ? { stopped: r.stoppedError } : {}),
          }),
      });
      progress.done();
      return result;
    },
    {
      fingerprint: () => sufficiencyFingerprint(spec),
      quiet: true,
      onHit: (r: SufficiencyResult, createdAt: string) => {
        if (!opts.quiet) console.log(`${label}: cached run of ${createdAt.slice(0, 10)}: ${summary(r)}`);
      },
    },
  );
}
