/**
 * Training progress lines (notebooks, scripts): step/total, loss, error, speed and ETA. It sits in
 * lib/core because the experiments layer prints it while it trains; lib/notebook re-exports it.
 *
 *   const p = new Progress(cfg.steps, { label: 'cDNI' });
 *   for (...) { ...; if (step % cfg.evalEvery === 0) p.log({ step, loss, error }); }
 *   p.done();
 *
 * The caller decides when to log. So that a cell's output stays at tens of lines, Progress
 * prints at most one line per `every` steps (default: total / 20), always the first and the
 * last call, and keeps the latest unprinted call for `done()`.
 */

export interface ProgressOptions {
  /** Shown at the start of every line, e.g. the method name. */
  label: string;
  /** Minimum number of steps between printed lines (default: ceil(total / 20)). */
  every?: number;
  /** Where lines go (default console.log). */
  write?: (line: string) => void;
}

export interface ProgressEntry {
  step: number;
  loss?: number;
  /** Error rate as a fraction (0.032 is printed as 3.20%). */
  error?: number;
  /** Any other numbers (or short strings) to print, e.g. { sgLoss: 0.01 }. */
  [extra: string]: number | string | undefined;
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(2);
  return v.toFixed(4);
}

/** Seconds as "42s", "3m05s" or "1h02m". */
export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  readonly total: number;
  readonly label: string;
  readonly every: number;
  private readonly write: (line: string) => void;
  private readonly start = Date.now();
  private lastPrintedStep = -Infinity;
  private pending: ProgressEntry | null = null;
  private lines = 0;
  private finished = false;

  constructor(totalSteps: number, opts: ProgressOptions) {
    if (!(Number.isFinite(totalSteps) && totalSteps > 0)) throw new Error(`Progress: totalSteps must be > 0, got ${totalSteps}`);
    this.total = totalSteps;
    this.label = opts.label;
    this.every = Math.max(1, opts.every ?? Math.ceil(totalSteps / 20));
    this.write = opts.write ?? ((line) => console.log(line));
  }

  /** Records an evaluation; prints it unless a line was printed less than `every` steps ago. */
  log(entry: ProgressEntry): void {
    const first = this.lines === 0;
    const last = entry.step >= this.total;
    if (first || last || entry.step - this.lastPrintedStep >= this.every) {
      this.print(entry);
    } else {
      this.pending = entry;
    }
  }

  /** Prints the last unprinted entry, if any, and the total time. */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.pending) this.print(this.pending);
    const secs = (Date.now() - this.start) / 1000;
    const steps = Math.max(0, this.lastPrintedStep);
    const rate = secs > 0 && steps > 0 ? `, ${(steps / secs).toFixed(1)} steps/s` : '';
    this.write(`${this.label}: done, ${steps} steps in ${fmtDuration(secs)}${rate}`);
  }

  private print(entry: ProgressEntry): void {
    this.pending = null;
    this.lastPrintedStep = entry.step;
    this.lines++;
    const secs = (Date.now() - this.start) / 1000;
    const rate = secs > 0 ? entry.step / secs : NaN;
    const width = String(this.total).length;
    const parts = [`${this.label}: step ${String(entry.step).padStart(width)}/${this.total}`];
    if (entry.loss !== undefined) parts.push(`loss ${fmtNum(entry.loss)}`);
    if (entry.error !== undefined) parts.push(`error ${(entry.error * 100).toFixed(2)}%`);
    for (const [k, v] of Object.entries(entry)) {
      if (k === 'step' || k === 'loss' || k === 'error' || v === undefined) continue;
      parts.push(`${k} ${typeof v === 'number' ? fmtNum(v) : v}`);
    }
    if (entry.step > 0 && Number.isFinite(rate)) {
      parts.push(`${rate.toFixed(1)} steps/s`);
      if (entry.step < this.total) parts.push(`ETA ${fmtDuration((this.total - entry.step) / rate)}`);
    }
    this.write(parts.join(' | '));
  }
}
