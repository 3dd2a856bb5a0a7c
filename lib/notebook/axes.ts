/** Axis layouts and sizes shared by the figure builders (figures.ts). */

/**
 * A log axis labelled 1, 2, 5, 10, 20, 50 … (or every 1–9 × 10^k when that gives fewer than
 * four labels): plotly's own minor labels read "2" for 20. Data spanning less than a factor of
 * LOG_MIN_RATIO get a linear axis instead.
 */
export function logAxis(series: readonly { y: ArrayLike<number> }[]): Record<string, unknown> {
  const ys = series.flatMap((s) => Array.from(s.y)).filter((v) => Number.isFinite(v) && v > 0);
  if (ys.length === 0) return { type: 'log' };
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const ticksWith = (mantissas: number[]) => {
    const ticks: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(3));
        if (v >= lo / 1.05 && v <= hi * 1.05) ticks.push(v);
      }
    }
    return ticks;
  };
  // A narrow range reads better on a linear axis (and gets plotly's usual 5–8 labels).
  if (hi / lo < LOG_MIN_RATIO) return { type: 'linear', nticks: 8 };
  let mantissas = [1, 2, 5];
  let ticks = ticksWith(mantissas);
  if (ticks.length < 4) ticks = ticksWith((mantissas = [1, 2, 3, 4, 5, 6, 7, 8, 9]));
  if (ticks.length < 2) return { type: 'log' };
  // The data's ends get a label within a factor 1.5: the label just below the smallest value
  // and just above the largest, with the axis range widened to show them.
  const below = (v: number) => Math.max(...ticksAround(v, mantissas).filter((t) => t <= v));
  const above = (v: number) => Math.min(...ticksAround(v, mantissas).filter((t) => t >= v));
  if (lo < ticks[0] / 1.5) ticks.unshift(below(lo));
  if (hi > ticks[ticks.length - 1] * 1.5) ticks.push(above(hi));
  const range = [Math.log10(Math.min(lo, ticks[0])) - 0.03, Math.log10(Math.max(hi, ticks[ticks.length - 1])) + 0.03];
  return { type: 'log', tickvals: ticks, ticktext: ticks.map(String), range };
}

/** The values m × 10^e (m from `mantissas`) in the decades around v. */
function ticksAround(v: number, mantissas: number[]): number[] {
  const e = Math.floor(Math.log10(v));
  return [e - 1, e, e + 1].flatMap((k) => mantissas.map((m) => Number((m * 10 ** k).toPrecision(3))));
}

/** Pixels a title needs at the 17 px title font (about 0.55 em per character), plus margins. */
export function titleWidth(title: string): number {
  return Math.ceil(title.replace(/<[^>]+>/g, '').length * 0.55 * 17 + 40);
}

/** A log y axis is used only when the data span at least this ratio. */
const LOG_MIN_RATIO = 4;
