/** Builds the synthesizer of a spec, whatever its kind. */
import type { Rng } from '../core/rng';
import { EmaSynthesizer } from './ema';
import type { SynthesizerSpec } from './spec';
import { Synthesizer, type SynthesizerModel } from './synthesizer';

/** `rng` draws the initial weights (an 'ema' synthesizer draws none). */
export function buildSynthesizer(hShape: number[], spec: SynthesizerSpec, classes: number, rng: Rng, name: string): SynthesizerModel {
  return spec.kind === 'ema' ? new EmaSynthesizer(hShape, spec, classes, name) : new Synthesizer(hShape, spec, classes, rng, name);
}
