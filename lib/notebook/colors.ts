/**
 * One colour per method in every notebook's figures, so a reader learns them once:
 * Bprop blue, DNI red, cDNI green, No Bprop grey, stale gradients orange (per class: brown), scalar
 * critics navy (label-conditioned: dark olive; bootstrapped: lavender and plum), FA cyan, DFA pink, Kickback
 * yellow-green, and BP(λ) for 0 < λ < 1 in purples
 * (darker for larger λ). Variants of a method (single DNI at p, synthesizer depths) keep
 * its colour and differ by dash. Complete unlock keeps its method's family in a darker shade,
 * drawn dashed (methodDash).
 */
import { parseMethod } from '../experiments/methods';

export { RECURRENT_LABELS } from '../experiments/methods';

export const METHOD_COLORS = {
  bprop: '#1f77b4',
  dni: '#d62728',
  cdni: '#2ca02c',
  nobprop: '#7f7f7f',
  stale: '#ff7f0e',
  cstale: '#8c564b',
  critic: '#393b79',
  ccritic: '#637939',
  fa: '#17becf',
  dfa: '#e377c2',
  kickback: '#bcbd22',
} as const;

/** Bootstrapped critics: lavender (the critic's navy, lighter) and plum (apart from Kickback's yellow-green). */
export const BOOT_COLORS = { critic: '#9c9ede', ccritic: '#7b4173' } as const;

/** 'dni+unlock' and 'cdni+unlock': a darker red and a darker green. */
export const UNLOCK_COLORS = { dni: '#8c1c13', cdni: '#1b5e20' } as const;

/** The colour of a method name ('dni', 'cdni@2', 'lambda=0.5', 'dni+unlock', …). */
export function methodColor(method: string): string {
  const m = parseMethod(method);
  if (m.unlock) return UNLOCK_COLORS[m.base as 'dni' | 'cdni'];
  if (m.boot) return BOOT_COLORS[m.base as 'critic' | 'ccritic'];
  if (m.base !== 'lambda') return METHOD_COLORS[m.base];
  const l = m.lambda as number;
  if (l === 0) return METHOD_COLORS.dni;
  if (l === 1) return METHOD_COLORS.bprop;
  // Purple from light (λ → 0) to dark (λ → 1).
  const mix = (a: number, b: number) => Math.round(a + (b - a) * l);
  return `rgb(${mix(197, 84)}, ${mix(176, 39)}, ${mix(213, 143)})`;
}

/** Dash styles for the variants of one method, in order (plotly's six named ones, then patterns in px). */
export const DASHES = ['solid', 'dash', 'dot', 'dashdot', 'longdash', 'longdashdot', '12px,3px,3px,3px,3px,3px', '2px,6px'] as const;

/** A method's own dash, if it has one: complete unlock is dashed, so it reads apart from its method in grey print too. */
export function methodDash(method: string): string | undefined {
  return parseMethod(method).unlock ? 'dash' : undefined;
}

/** Recurrent methods: truncated BPTT is backprop (blue), DNI red, DNI+Aux purple. */
export const RECURRENT_COLORS = { bptt: '#1f77b4', dni: '#d62728', dniAux: '#9467bd' } as const;
