/**
 * The synthesizer probe of a character-level LM (recurrent-probe.ts): a fixed batch of PROBE_STREAMS
 * pieces of the validation split, each 4T + window steps from a zero state, so that four chunk
 * boundaries are each followed by a whole window of future steps. The true future gradient at a
 * boundary is that of the window's losses: a stream has no end to backpropagate to.
 */
import { ConfigError } from '../../core/errors';
import type { SequenceBatch } from '../../tasks/sequence';
import type { RecurrentTrainer } from '../../trainers/recurrent';
import { probeSynthesizer, type SynthesizerProbe } from '../../trainers/recurrent-probe';
import { disposeSequenceBatch } from '../../tasks/copy';
import { symbolBatch } from './batches';

export const PROBE_STREAMS = 32;

/** The probe's pieces: their length 4T + window and how many fit `text` (at most PROBE_STREAMS); a ConfigError naming probeWindow where none does. */
export function probePieces(text: Int32Array, T: number, window: number): { L: number; pieces: number } {
  const L = 4 * T + window;
  const pieces = Math.min(PROBE_STREAMS, Math.floor((text.length - 1) / L));
  if (pieces < 1)
    throw new ConfigError(
      'probeWindow',
      `is ${window}: the probe needs 4T + probeWindow + 1 = ${L + 1} symbols of the validation split, which has ${text.length}; set it lower, or 0 for no probe`,
    );
  return { L, pieces };
}

/** The probe batch: PROBE_STREAMS evenly spaced pieces of `text` (fewer where it is short; inputs at t, targets at t + 1). */
export function charLmProbeBatch(text: Int32Array, V: number, T: number, window: number): SequenceBatch {
  const { L, pieces } = probePieces(text, T, window);
  const stride = Math.floor((text.length - 1 - L) / pieces);
  const rows = Array.from({ length: pieces }, (_, b) => b * stride);
  return symbolBatch(
    rows.map((s) => text.subarray(s, s + L)),
    rows.map((s) => text.subarray(s + 1, s + L + 1)),
    V,
    { starts: true, ends: true },
  );
}

/** Probe the trainer's synthesizer on `text`'s probe batch; null without one or with window 0. */
export function probeCharLm(trainer: RecurrentTrainer, text: Int32Array, V: number, window: number): SynthesizerProbe | null {
  if (!window || !trainer.synthesizer) return null;
  const b = charLmProbeBatch(text, V, trainer.spec.T as number, window);
  const p = probeSynthesizer(trainer, b, { window });
  disposeSequenceBatch(b);
  return p;
}
