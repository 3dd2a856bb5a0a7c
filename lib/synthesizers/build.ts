/** Builds the synthesizer of a spec, whatever its kind. */
import type { Rng } from '../core/rng';
import { CriticSynthesizer } from './critic';
import { DfaSynthesizer } from './dfa';
import { EmaSynthesizer } from './ema';
import type { SynthesizerSpec } from './spec';
import { Synthesizer, type SynthesizerModel } from './synthesizer';

/** `rng` draws the initial weights, or a DFA's fixed projection (an 'ema' synthesizer draws none). */
export function buildSynthesizer(hShape: number[], spec: SynthesizerSpec, classes: number, rng: Rng, name: string): SynthesizerModel {
  if (spec.kind === 'ema') return new EmaSynthesizer(hShape, spec, classes, name);
  if (spec.kind === 'critic') return new CriticSynthesizer(hShape, spec, classes, rng, name);
  if (spec.kind === 'dfa') return new DfaSynthesizer(hShape, spec, classes, rng, name);
  return new Synthesizer(hShape, spec, classes, rng, name);
}
