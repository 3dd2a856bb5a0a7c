/**
 * The one map from a method's name to what it sets in a BP(λ) trainer: λ per connection, the
 * synthesizer's conditioning, and complete unlock's synthetic inputs. Notebooks, bench and tests
 * all use it; its result is a part of a trainer spec, to spread into one.
 *
 *   methodSpec('cdni', 4)      // { lambda: [0, 0, 0], synthesizer: { conditioned: true } }
 *   methodSpec('dni@2', 6)     // single DNI after layer 2: [1, 0, 1, 1, 1]
 *   methodSpec('nobprop@2', 6) // the same cut passing no gradient: ['none', 'none', 1, 1, 1]
 *   methodSpec('dni@1-3', 6)   // DNI on connections 1..3: [0, 0, 0, 1, 1]
 *   methodSpec('lambda=0.5', 4)
 *   methodSpec('stale', 4)     // { lambda: [0, 0, 0], synthesizer: { conditioned: false, kind: 'ema' } }
 *   methodSpec('cstale', 4)    // { lambda: [0, 0, 0], synthesizer: { conditioned: true, kind: 'ema' } }
 *   methodSpec('cdni+unlock', 4) // { lambda: [0, 0, 0], synthesizer: { conditioned: true }, syntheticInputs: { hiddenLayers: 1, width: 1024 } }
 *   methodSpec('critic+boot', 4) // { lambda: [0, 0, 0], synthesizer: { conditioned: false, kind: 'critic', valueTarget: 'bootstrap' } }
 *   methodSpec('fa', 4)        // { lambda: [1, 1, 1], synthesizer: {}, feedback: 'fa' }
 *   methodSpec('dfa', 4)       // { lambda: [0, 0, 0], synthesizer: { conditioned: false, kind: 'dfa' } }
 */
import type { Feedback } from '../trainers/feedback';
import type { Lambda } from '../trainers/mixture';
import { ConfigError } from '../core/errors';
import type { SynthesizerSpec } from '../synthesizers/spec';
import { type SyntheticInputSpec, SYNTHETIC_INPUT_DEFAULTS } from '../synthesizers/synthetic-input';

/** Every-layer methods of Table 2. */
export type Table2Method = 'nobprop' | 'bprop' | 'dni' | 'cdni';
export const TABLE2_METHODS: readonly Table2Method[] = ['nobprop', 'bprop', 'dni', 'cdni'];

/**
 * 'nobprop' | 'bprop' | 'dni' | 'cdni' (every connection), 'dni@p' | 'cdni@p' (one DNI after
 * layer p, backprop elsewhere), 'dni@1-p' | 'cdni@1-p' (DNI on connections 1..p, backprop
 * above: Figure 11b), 'nobprop@p' (no gradient below layer p + 1), 'lambda=x' (BP(λ) with
 * λ = x at every connection), 'stale' | 'stale@p' (paper section C's baseline: DNI's λ, with
 * each synthetic gradient replaced by a moving average of past targets, synthesizer kind 'ema'),
 * 'cstale' (the same with one average per class, the stale counterpart of cDNI),
 * 'dni+unlock' | 'cdni+unlock' (complete unlock, paper D.1: every-layer DNI or cDNI, and every
 * layer above the first runs on a synthetic input; trainer field syntheticInputs), and paper
 * A.4's: 'critic' | 'ccritic' (every-layer scalar critics, unconditioned or label-conditioned,
 * regressing onto the loss; synthesizer kind 'critic'), 'critic+boot' | 'ccritic+boot' (the same
 * regressing onto the next layer's critic value), 'fa' (Feedback Alignment, trainer field
 * feedback), 'dfa' (Direct Feedback Alignment, synthesizer kind 'dfa'), 'kickback' (feedback).
 */
export type MethodName =
  | Table2Method
  | 'stale'
  | 'cstale'
  | CriticMethod
  | FeedbackMethod
  | `${'dni' | 'cdni'}+unlock`
  | `${'dni' | 'cdni' | 'nobprop' | 'stale'}@${number}`
  | `${'dni' | 'cdni' | 'stale'}@${number}-${number}`
  | `lambda=${number}`;

/** Paper A.4's scalar critics: unconditioned or label-conditioned, onto the loss or bootstrapped. */
export type CriticMethod = 'critic' | 'ccritic' | 'critic+boot' | 'ccritic+boot';
export const CRITIC_METHODS: readonly CriticMethod[] = ['critic', 'ccritic', 'critic+boot', 'ccritic+boot'];
/** FA, DFA and Kickback: fixed feedback rules, synthetic gradients under Czarnecki et al. (2017). */
export type FeedbackMethod = 'fa' | 'dfa' | 'kickback';
export const FEEDBACK_METHODS: readonly FeedbackMethod[] = ['fa', 'dfa', 'kickback'];

export interface ParsedMethod {
  base: Table2Method | 'stale' | 'cstale' | 'lambda' | 'critic' | 'ccritic' | FeedbackMethod;
  /** Connection of a single DNI or cut (1-based), or the first of a range; null for every connection. */
  at: number | null;
  /** The last connection of a range ('dni@1-3': 3), else null. */
  to: number | null;
  /** λ of 'lambda=x'. */
  lambda: number | null;
  /** Complete unlock ('dni+unlock', 'cdni+unlock'). */
  unlock: boolean;
  /** A critic regressing onto the next layer's value ('critic+boot', 'ccritic+boot'). */
  boot?: boolean;
}

/** What a method sets in a trainer spec (spread it into one). */
export interface MethodSpec {
  lambda: Lambda[];
  synthesizer: Partial<SynthesizerSpec>;
  /** Complete unlock only: the synthetic inputs' shape (the paper's, SYNTHETIC_INPUT_DEFAULTS). */
  syntheticInputs?: SyntheticInputSpec;
  /** FA and Kickback only: the trainer's feedback rule. */
  feedback?: Feedback;
}

export function parseMethod(name: string, field = 'method'): ParsedMethod {
  const lam = /^lambda=(.+)$/.exec(name);
  if (lam) {
    const x = Number(lam[1]);
    if (!(x >= 0 && x <= 1)) throw new ConfigError(field, `'${name}': λ must be a number in [0, 1]`);
    return { base: 'lambda', at: null, to: null, lambda: x, unlock: false };
  }
  const critic = /^(c?critic)(\+boot)?$/.exec(name);
  if (critic) return { base: critic[1] as 'critic' | 'ccritic', at: null, to: null, lambda: null, unlock: false, boot: !!critic[2] };
  if ((FEEDBACK_METHODS as readonly string[]).includes(name))
    return { base: name as FeedbackMethod, at: null, to: null, lambda: null, unlock: false };
  if (/^(dni|cdni)\+unlock$/.test(name))
    return { base: name.slice(0, -'+unlock'.length) as 'dni' | 'cdni', at: null, to: null, lambda: null, unlock: true };
  const m = /^(nobprop|bprop|dni|cdni|stale|cstale)(?:@(\d+)(?:-(\d+))?)?$/.exec(name);
  if (!m || (m[1] === 'bprop' && m[2]) || (m[1] === 'nobprop' && m[3])) {
    throw new ConfigError(
      field,
      `'${name}' is not a method; expected nobprop, bprop, dni, cdni, stale, cstale, dni@p, cdni@p, stale@p, dni@1-p, cdni@1-p, nobprop@p (p = 1..K−1), dni+unlock, cdni+unlock, critic, ccritic, critic+boot, ccritic+boot, fa, dfa, kickback or lambda=x`,
    );
  }
  const [at, to] = [m[2] ? Number(m[2]) : null, m[3] ? Number(m[3]) : null];
  if (at !== null && to !== null && to < at)
    throw new ConfigError(field, `'${name}': a range of connections runs from the lower to the higher, e.g. ${m[1]}@${to}-${at}`);
  return { base: m[1] as ParsedMethod['base'], at, to, lambda: null, unlock: false };
}

/**
 * λ per connection and the synthesizer conditioning (and kind, for 'stale'; synthetic inputs, for
 * '+unlock') of a method on a K-layer network.
 */
export function methodSpec(name: MethodName | string, layers: number, field = 'method'): MethodSpec {
  const m = parseMethod(name, field);
  const n = layers - 1;
  if ((m.at !== null && (m.at < 1 || m.at > n)) || (m.to !== null && m.to > n))
    throw new ConfigError(field, `'${name}': a ${layers}-layer network has connections 1..${n}`);
  const conditioned = m.base === 'cdni' || m.base === 'cstale' || m.base === 'ccritic';
  if (m.base === 'fa' || m.base === 'kickback') return { lambda: Array(n).fill(1), synthesizer: {}, feedback: m.base };
  if (m.base === 'dfa') return { lambda: Array(n).fill(0), synthesizer: { conditioned: false, kind: 'dfa' } };
  if (m.base === 'critic' || m.base === 'ccritic')
    return { lambda: Array(n).fill(0), synthesizer: { conditioned, kind: 'critic', valueTarget: m.boot ? 'bootstrap' : 'loss' } };
  let lambda: Lambda[];
  if (m.base === 'lambda') lambda = Array(n).fill(m.lambda);
  else if (m.at === null) lambda = Array(n).fill(m.base === 'bprop' ? 1 : m.base === 'nobprop' ? 'none' : 0);
  // A cut at p leaves every layer up to p without gradient.
  else if (m.base === 'nobprop') lambda = Array.from({ length: n }, (_, i) => (i + 1 <= m.at! ? 'none' : 1));
  else lambda = Array.from({ length: n }, (_, i) => (i + 1 >= m.at! && i + 1 <= (m.to ?? m.at!) ? 0 : 1));
  const stale = m.base === 'stale' || m.base === 'cstale';
  const synthesizer: Partial<SynthesizerSpec> = stale ? { conditioned, kind: 'ema' } : { conditioned };
  return m.unlock ? { lambda, synthesizer, syntheticInputs: { ...SYNTHETIC_INPUT_DEFAULTS } } : { lambda, synthesizer };
}

/** A method's name for legends and tables. */
export function methodLabel(name: MethodName | string): string {
  const m = parseMethod(name);
  if (m.base === 'lambda') return m.lambda === 0 ? 'DNI (λ = 0)' : m.lambda === 1 ? 'Bprop (λ = 1)' : `BP(λ = ${m.lambda})`;
  const base = {
    nobprop: 'No Bprop',
    bprop: 'Bprop',
    dni: 'DNI',
    cdni: 'cDNI',
    stale: 'Stale gradients',
    cstale: 'Stale gradients per class',
    critic: 'Critic',
    ccritic: 'cCritic',
    fa: 'FA',
    dfa: 'DFA',
    kickback: 'Kickback',
  }[m.base];
  if (m.boot) return `${base} (bootstrapped)`;
  if (m.unlock) return `${base}, complete unlock`;
  if (m.at === null) return base;
  if (m.to !== null) return `${base} on connections ${m.at}–${m.to}`;
  return m.base === 'nobprop' ? `No Bprop below layer ${m.at + 1}` : `${base} after layer ${m.at}`;
}

/** The Table 2 method a name belongs to (for the paper column), or null. */
export function table2Method(name: MethodName | string): Table2Method | null {
  const m = parseMethod(name);
  if (m.base === 'lambda') return m.lambda === 0 ? 'dni' : m.lambda === 1 ? 'bprop' : null;
  return m.at === null && (TABLE2_METHODS as readonly string[]).includes(m.base) && !m.unlock ? (m.base as Table2Method) : null;
}

/** Does the method use synthesizers at all? */
export function usesSynthesizers(name: MethodName | string): boolean {
  const m = parseMethod(name);
  return ['dni', 'cdni', 'stale', 'cstale', 'critic', 'ccritic', 'dfa'].includes(m.base) || (m.base === 'lambda' && m.lambda! < 1);
}

/** The recurrent methods' names for legends, tables and claims: truncated BPTT, DNI, DNI+Aux (D.2). */
export const RECURRENT_LABELS = { bptt: 'BPTT', dni: 'DNI', dniAux: 'DNI+Aux' } as const;
