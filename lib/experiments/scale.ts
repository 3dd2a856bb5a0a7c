/**
 * Experiment scale for notebooks, chosen by the environment variable DNI_SCALE:
 * `smoke` (seconds, CI), `cpu` (minutes on a laptop, the default) or `paper` (the paper's budget).
 *
 *   const steps = pick({ smoke: 20, cpu: 3000, paper: 500_000 });
 */
export type Scale = 'smoke' | 'cpu' | 'paper';

export const SCALES: readonly Scale[] = ['smoke', 'cpu', 'paper'];

/** The scale in use: DNI_SCALE, default `cpu`; an unknown value throws naming the choices. */
export function scale(): Scale {
  const raw = process.env.DNI_SCALE;
  if (raw === undefined || raw.trim() === '') return 'cpu';
  const s = raw.trim().toLowerCase();
  if ((SCALES as readonly string[]).includes(s)) return s as Scale;
  throw new Error(`DNI_SCALE='${raw}' is not a scale; choose one of ${SCALES.join(', ')}`);
}

/** The preset for the scale in use. */
export function pick<T>(presets: { smoke: T; cpu: T; paper: T }): T {
  const s = scale();
  if (!(s in presets)) throw new Error(`pick(): no preset for scale '${s}'`);
  return presets[s];
}
