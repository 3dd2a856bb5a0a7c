/**
 * One Copy / Repeat Copy run (paper D.2, Figure 17) as an experiment: cached under results/ with
 * a numerics fingerprint, with progress lines, like the feed-forward runs (run.ts).
 *
 *   const run = await runCopy('copy-cpu-dni-T5', { trainer: { method: 'dni', T: 5 }, curriculum: { kind: 'copy' }, steps: 3000 });
 *
 * The fingerprint is a miniature of the run (8 LSTM units, batch 4, 6 steps, the same method, T,
 * targets and synthesizer settings, lr 0.01) trained on the same generators: a change in the
 * LSTM, the recurrent trainer, the task or the curriculum changes it; a refactor does not.
 */
import { Progress } from '../core/progress';
import { type CopyRecord, type CopyRunInput, type CopyRunResult, copyRunSpec, type CopyRunSpec, trainCopy } from '../runs/train-copy';
import { cachedRun } from './cache';
import { recurrentCacheTrainer } from './canonical-json';
import { type Fingerprint, miniRecurrentTrainer } from './fingerprint';

/** The miniature's numbers: bits, training bits and the trainer's series at each check, and the level. */
async function copyProbe(spec: CopyRunSpec): Promise<number[]> {
  const mini: CopyRunInput = {
    ...spec,
    trainer: miniRecurrentTrainer(spec.trainer),
    steps: 6,
    batchSize: 4,
    evalEvery: 2,
    evalSequences: 4,
    stopAfter: 0,
  };
  const r = await trainCopy(mini);
  const out: number[] = [];
  for (const rec of r.history) {
    out.push(rec.bits, rec.trainBits, rec.level.N, rec.level.R);
    for (const v of Object.values(rec.series)) out.push(...v);
  }
  return out.map((v) => (Number.isFinite(v) ? v : -1));
}

/** The cache key's config of a Copy run, and its numerics fingerprint (scripts/refingerprint-results.ts re-stamps entries with it). */
export function copyCacheConfig(spec: CopyRunSpec): { task: string; run: CopyRunSpec } {
  return { task: spec.curriculum.kind, run: { ...spec, trainer: recurrentCacheTrainer(spec.trainer) } };
}

export async function copyFingerprint(spec: CopyRunSpec): Promise<Fingerprint> {
  return { probe: await copyProbe(spec), data: 'generated' };
}

/** A Copy run's last check in one line. */
function summary(r: CopyRunResult): string {
  const f = r.final;
  const lv = (l: { N: number; R: number } | null) => (l ? `N = ${l.N}${l.R > 1 ? `, R = ${l.R}` : ''}` : 'none');
  return `${f.step} steps (${f.samples} sequences), highest level solved ${lv(r.maxSolved)} (time dependency ${r.maxDependency}), ${f.bits.toFixed(2)} bits at ${lv(f.level)}`;
}

/** Train (or reuse the cached result of) one Copy / Repeat Copy run. */
export async function runCopy(name: string, input: CopyRunInput, opts: { label?: string; quiet?: boolean } = {}): Promise<CopyRunResult> {
  const spec = copyRunSpec(input);
  const label = opts.label ?? name;
  return cachedRun(
    name,
    copyCacheConfig(spec),
    async () => {
      const progress = new Progress(spec.steps, { label });
      const result = await trainCopy(spec, {
        onEval: (r: CopyRecord) =>
          progress.log({
            step: r.step,
            bits: r.bits,
            level: `N=${r.level.N}${spec.curriculum.kind === 'repeatCopy' ? `,R=${r.level.R}` : ''}`,
            dependency: r.dependency,
          }),
      });
      progress.done();
      return result;
    },
    {
      fingerprint: () => copyFingerprint(spec),
      quiet: true,
      onHit: (r: CopyRunResult, createdAt: string) => {
        if (!opts.quiet) console.log(`${label}: cached run of ${createdAt.slice(0, 10)}: ${summary(r)}`);
      },
    },
  );
}
