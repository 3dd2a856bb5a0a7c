/** Builds the synthesizer of a spec, whatever its kind. */
import { Rng } from '../core/rng';
import { EmaSynthesizer } from './ema';
import { SynthesizerSpec } from './spec';
import { Synthesizer, SynthesizerModel } from './synthesizer';

/** `rng` draws the initial weights (an 'ema' synthesizer draws none). */
export function buildSynthesizer(hShape: number[], spec: SynthesizerSpec, classes: number, rng: Rng, name: string): SynthesizerModel {
  return spec.kind === 'ema' ? new EmaSynthesizer(hShape, spec, name) : new Synthesizer(hShape, spec, classes, rng, name);
}
