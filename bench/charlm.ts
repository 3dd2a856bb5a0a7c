/**
 * The character-level LM rows of `npm run bench`: one training chunk of the `cpu` preset of
 * PTB_PRESET (its width, batch and largest T) with truncated BPTT and with DNI.
 *
 * What is timed: a training step of trainCharLm, i.e. one chunk of T steps of every stream, the
 * state (and DNI's pending synthetic gradient) carried from the chunk before; median wall and
 * CPU ms after warm-up chunks, and characters per second = batch × T / median wall time. The
 * symbols are a seeded random stream over PTB's 50 (the time does not depend on the text, and
 * the bench needs no data folder).
 */
import type { KernelPath } from './paths';
import { PTB_PRESET } from '../lib/experiments/sections/penn-treebank';
import { CharLmBatches } from '../lib/runs/train-char-lm';
import { Rng } from '../lib/core/rng';
import { disposeSequenceBatch } from '../lib/tasks/copy';
import { softmaxTask } from '../lib/tasks/softmax';
import { RecurrentTrainer } from '../lib/trainers/recurrent';
import { type RecurrentMethod, recurrentSpec } from '../lib/trainers/recurrent-spec';

/** Character-level PTB's vocabulary. */
const PTB_CHARS = 50;

export interface CharLmBench {
  name: string;
  method: RecurrentMethod;
  T: number;
  hidden: number;
  batch: number;
}

export function charLmConfigs(): CharLmBench[] {
  const cpu = PTB_PRESET.cpu;
  const T = Math.max(...cpu.Ts);
  const hidden = cpu.run.trainer.hidden ?? 256;
  const batch = cpu.run.batchSize ?? 256;
  return (['bptt', 'dni'] as const).map((method) => ({ name: `lstm-ptb cpu ${method} T${T}`, method, T, hidden, batch }));
}

export interface CharLmTiming {
  /** Median wall ms per chunk. */
  ms: number;
  /** Median CPU ms per chunk (this process, all its threads). */
  cpuMs: number;
  /** batch × T / median wall seconds. */
  charsPerSec: number;
}

export function timeCharLm(c: CharLmBench, chunks: number): CharLmTiming {
  const { optimizer } = PTB_PRESET.cpu.run.trainer;
  const t = new RecurrentTrainer(
    recurrentSpec({ inputs: PTB_CHARS, outputs: PTB_CHARS, hidden: c.hidden, T: c.T, method: c.method, optimizer }),
    softmaxTask,
  );
  const rng = new Rng(0);
  const warmup = 5;
  const ids = Int32Array.from({ length: c.batch * (c.T * (warmup + chunks) + 2) }, () => rng.int(PTB_CHARS));
  const batches = new CharLmBatches(ids, c.batch, c.T, PTB_CHARS);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < warmup + chunks; i++) {
    const b = batches.next();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    t.step(b);
    const ms = performance.now() - t0;
    const used = process.cpuUsage(c0);
    if (i >= warmup) {
      wall.push(ms);
      cpu.push((used.user + used.system) / 1000);
    }
    disposeSequenceBatch(b);
  }
  t.dispose();
  const ms = median(wall);
  return { ms, cpuMs: median(cpu), charsPerSec: (c.batch * c.T * 1000) / ms };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The character-level LM table: ms per training chunk and characters per second on every path. */
export function printCharLmTable(
  list: { name: string; hidden: number; batch: number; T: number }[],
  rows: { config: string; path: KernelPath; error?: string; lm?: CharLmTiming }[],
  paths: KernelPath[],
  steps: number,
  /** Extra cells per row (PyTorch beside ours), from the config and our ms. */
  extra: (config: string, ms: number | null) => string[] = () => [],
  extraHeader: string[] = [],
): void {
  const c0 = list[0];
  console.log(
    `\nCharacter-level PTB LM, the cpu preset (${c0.hidden} units, batch ${c0.batch}, T = ${c0.T}, 50 symbols one-hot): ms per training chunk, median of ${steps} chunks after 5 warm-up chunks of a continuing stream; CPU ms is this process's; characters/s = batch × T ÷ wall time\n`,
  );
  const h = ['config', 'path', 'ms/chunk', 'CPU ms/chunk', 'characters/s', ...extraHeader];
  console.log(`| ${h.join(' | ')} |`);
  console.log(`|${h.map(() => '---').join('|')}|`);
  for (const c of list) {
    for (const p of paths) {
      const r = rows.find((x) => x.config === c.name && x.path === p)!;
      const t = r.lm;
      const cells = t ? [t.ms.toFixed(1), t.cpuMs.toFixed(1), t.charsPerSec.toFixed(0)] : [r.error ?? 'failed', '—', '—'];
      console.log(`| ${[c.name, p, ...cells, ...extra(c.name, t ? t.ms : null)].join(' | ')} |`);
    }
  }
}
