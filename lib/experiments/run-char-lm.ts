/**
 * One character-level Penn Treebank run (paper D.2, Figure 16) as an experiment: cached under
 * results/ with a numerics fingerprint and a digest of the corpus, with progress lines, like the
 * Copy runs (copy.ts).
 *
 *   const run = await runCharLm('ptb-cpu-dni-T4', { trainer: { method: 'dni', T: 4, hidden: 256 }, steps: 6000, batchSize: 64 });
 *
 * The fingerprint is a miniature of the run (8 LSTM units, batch 4, 6 steps, the same method,
 * T up to 3, targets and synthesizer settings, lr 0.01) trained on the first few thousand
 * characters of the same corpus: a change in the LSTM, the recurrent trainer, the softmax task,
 * the stream batching or the evaluation changes it; a refactor does not. The corpus digest covers
 * the data itself.
 */
import * as crypto from 'node:crypto';
import { ensureDataset } from '../data/fetch';
import { loadPtb, type PtbCorpus } from '../data/ptb';
import { Progress } from '../core/progress';
import { type CharLmInput, type CharLmRecord, type CharLmResult, charLmSpec, type CharLmSpec, trainCharLm } from '../runs/train-char-lm';
import { cachedRun } from './cache';
import { recurrentCacheTrainer } from './canonical-json';
import { type Fingerprint, miniRecurrentTrainer } from './fingerprint';

type Corpus = Pick<PtbCorpus, 'train' | 'valid' | 'test' | 'vocab'>;

const LOADED_KEY = Symbol.for('dni.experiments.ptbChars');

/**
 * Character-level PTB, downloaded on first use and loaded once per process (kept on globalThis, as
 * datasets.ts does, so a notebook's rebuild() does not reload it).
 */
export async function loadPtbChars(): Promise<PtbCorpus> {
  const g = globalThis as Record<symbol, PtbCorpus | undefined>;
  if (g[LOADED_KEY] === undefined) await ensureDataset('ptb');
  return (g[LOADED_KEY] ??= loadPtb('char'));
}

const digests = new WeakMap<object, string>();

/** sha256 (16 hex digits) over the vocabulary and every id of the three splits. */
export function corpusDigest(c: Corpus): string {
  const known = digests.get(c);
  if (known) return known;
  const h = crypto.createHash('sha256');
  h.update(`${c.vocab.itos.length}:${JSON.stringify(c.vocab.itos)}\0`);
  for (const ids of [c.train, c.valid, c.test]) {
    h.update(`${ids.length}\0`);
    h.update(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength));
  }
  const d = h.digest('hex').slice(0, 16);
  digests.set(c, d);
  return d;
}

/** The miniature's numbers: validation and training BPC and the trainer's series at each validation, the best step and the test BPC. */
async function charLmProbe(spec: CharLmSpec, corpus: Corpus): Promise<number[]> {
  const mini: CharLmInput = {
    ...spec,
    trainer: miniRecurrentTrainer(spec.trainer),
    steps: 6,
    batchSize: 4,
    evalEvery: 2,
    validChars: 0,
    evalStreams: 2,
    generate: [],
    // The probe only measures (it trains nothing), and a test's tiny corpus is too short for it.
    probeWindow: 0,
  };
  const small = {
    train: corpus.train.subarray(0, 4000),
    valid: corpus.valid.subarray(0, 300),
    test: corpus.test.subarray(0, 300),
    vocab: corpus.vocab,
  };
  const r = await trainCharLm(mini, small);
  const out: number[] = [];
  for (const rec of r.history) {
    out.push(rec.validBpc, rec.trainBpc);
    for (const v of Object.values(rec.series)) out.push(...v);
  }
  out.push(r.best.step, r.testBpc);
  return out.map((v) => (Number.isFinite(v) ? v : -1));
}

/** The cache key's config of a char-LM run, and its numerics fingerprint (scripts/refingerprint-results.ts re-stamps entries with it). */
export function charLmCacheConfig(spec: CharLmSpec): { task: 'ptb-char'; run: CharLmSpec } {
  return { task: 'ptb-char', run: { ...spec, trainer: recurrentCacheTrainer(spec.trainer) } };
}

export async function charLmFingerprint(spec: CharLmSpec, corpus: Corpus): Promise<Fingerprint> {
  return { probe: await charLmProbe(spec, corpus), data: corpusDigest(corpus) };
}

/** A run's outcome in one line. */
function summary(r: CharLmResult): string {
  return `${r.final.step} steps (${r.samples} characters), best validation ${r.best.validBpc.toFixed(3)} BPC at step ${r.best.step}, test ${r.testBpc.toFixed(3)} BPC`;
}

/**
 * Train (or reuse the cached result of) one run on character-level PTB (DNI_DATA_DIR). `corpus`
 * replaces PTB (tests); it is covered by the fingerprint's digest, not by the cache key.
 * `quiet` silences the progress and summary lines.
 */
export async function runCharLm(
  name: string,
  input: CharLmInput,
  opts: { label?: string; quiet?: boolean; corpus?: Corpus } = {},
): Promise<CharLmResult> {
  const corpus = opts.corpus ?? (await loadPtbChars());
  const spec = charLmSpec(input, corpus.vocab.itos.length);
  const label = opts.label ?? name;
  return cachedRun(
    name,
    charLmCacheConfig(spec),
    async () => {
      const progress = new Progress(spec.steps, { label, ...(opts.quiet ? { write: () => undefined } : {}) });
      const result = await trainCharLm(spec, corpus, {
        onEval: (r: CharLmRecord) => progress.log({ step: r.step, validBpc: r.validBpc, trainBpc: r.trainBpc }),
      });
      progress.done();
      if (!opts.quiet) console.log(`${label}: ${summary(result)}`);
      return result;
    },
    {
      fingerprint: () => charLmFingerprint(spec, corpus),
      quiet: true,
      onHit: (r: CharLmResult, createdAt: string) => {
        if (!opts.quiet) console.log(`${label}: cached run of ${createdAt.slice(0, 10)}: ${summary(r)}`);
      },
    },
  );
}
