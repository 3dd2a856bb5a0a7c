/**
 * The paper's numbers (supplementary material: Table 2, Figure 11's text, section C's stale baseline and 21-layer cDNI network),
 * one place for every notebook's "paper" column.
 */
import type { AdamSpec } from '../core/adam';
import type { Table2Method } from './methods';

/** Table 2: final test error (%) after 500k iterations, every-layer DNI. */
export const TABLE2: Record<'mnistFcn' | 'cifarFcn' | 'mnistCnn' | 'cifarCnn', Record<number, Record<Table2Method, number>>> = {
  mnistFcn: {
    3: { nobprop: 9.3, bprop: 2.0, dni: 1.9, cdni: 2.2 },
    4: { nobprop: 12.6, bprop: 1.8, dni: 2.2, cdni: 1.9 },
    5: { nobprop: 16.2, bprop: 1.8, dni: 3.4, cdni: 1.7 },
    6: { nobprop: 21.4, bprop: 1.8, dni: 4.3, cdni: 1.6 },
  },
  cifarFcn: {
    3: { nobprop: 54.9, bprop: 43.5, dni: 42.5, cdni: 48.5 },
    4: { nobprop: 57.2, bprop: 43.0, dni: 45.0, cdni: 45.1 },
    5: { nobprop: 59.6, bprop: 41.7, dni: 46.9, cdni: 43.5 },
    6: { nobprop: 61.9, bprop: 42.0, dni: 49.7, cdni: 46.8 },
  },
  mnistCnn: {
    3: { nobprop: 0.9, bprop: 0.8, dni: 0.9, cdni: 1.0 },
    4: { nobprop: 2.8, bprop: 0.6, dni: 0.7, cdni: 0.8 },
  },
  cifarCnn: {
    3: { nobprop: 28.7, bprop: 17.9, dni: 19.5, cdni: 19.0 },
    4: { nobprop: 38.1, bprop: 15.7, dni: 19.5, cdni: 16.4 },
  },
};

/** Section D.1: every feed-forward experiment. */
export const PAPER_STEPS = 500_000;
export const PAPER_BATCH = 256;
export const PAPER_ADAM: AdamSpec = { lr: 3e-5, beta1: 0.9, beta2: 0.999, eps: 1e-8, decaySteps: [300_000, 400_000], decayFactor: 0.1 };

/**
 * Figure 11 (6-layer MNIST FCN), test error (%) as the text gives it: backprop, and the end
 * points of a single DNI and of the same cut passing no gradient (after layer 1 and layer 5).
 * The positions between, and panel (b), are in the figure only.
 */
export const FIGURE11: Record<string, number> = {
  bprop: 1.6,
  'dni@1': 1.8,
  'dni@5': 3.4,
  'nobprop@1': 2.9,
  'nobprop@5': 23.7,
};

/** Section C, the stale-gradient baseline: the best MNIST FCN test error (%) over decay rates, by depth. */
export const STALE: Record<number, number> = { 3: 9.1, 4: 11.8, 5: 15.4, 6: 19.0 };

/** Section C: "on MNIST we successfully trained up to 21 layer FCNs with cDNI to 2% error (the same as with using backpropagation)". */
export const DEEP_CDNI = { layers: 21, cdni: 2, bprop: 2 };
