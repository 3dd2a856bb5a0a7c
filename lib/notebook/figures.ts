/**
 * Plotly figures that every reader of a committed notebook sees.
 *
 * `show(fig)` publishes ONE output with three MIME types, so that every viewer finds one it shows:
 *   - `application/vnd.plotly.v1+json`: interactive where the plotly extension is installed,
 *   - `image/png`: rendered by headless chromium + plotly.js; GitHub and untrusted viewers show it,
 *   - `text/plain`: title, trace names and point counts.
 * No SVG and no `<script>` HTML: untrusted viewers refuse them and nbconvert mangles them.
 *
 *   await show(lineFigure({ title: 'Test error', xTitle: 'step', yTitle: 'error',
 *     series: [{ name: 'bprop', x: steps, y: errors }], logY: true }));
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logAxis, titleWidth } from './axes';
import { displayBundle, type MimeBundle } from './display';
import { DEFAULT_HEIGHT, DEFAULT_WIDTH, type Figure, plain, renderPng, type RenderOptions, type Trace } from './render';

export type { RenderOptions } from './render';

export type { Figure, Trace } from './render';

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

function titleText(title: unknown): string {
  const t = typeof title === 'string' ? title : (title as { text?: unknown } | undefined)?.text;
  return typeof t === 'string' ? t.replace(/<[^>]*>/g, '') : '';
}

/** A short text summary: title, then one line per trace with its point count. */
export function figureSummary(fig: Figure): string {
  const layout = fig.layout ?? {};
  const title = titleText(layout.title) || 'Figure';
  const lines = [`${title} (${fig.data.length} trace${fig.data.length === 1 ? '' : 's'})`];
  fig.data.forEach((t, i) => {
    const n = t.y?.length ?? t.x?.length ?? 0;
    lines.push(`  ${t.name ?? `trace ${i}`}: ${n} points`);
  });
  const axis = (k: string) => titleText((layout[k] as { title?: unknown } | undefined)?.title);
  const [xt, yt] = [axis('xaxis'), axis('yaxis')];
  if (xt || yt) lines.push(`  x: ${xt || '?'}, y: ${yt || '?'}`);
  // The note of a sweep's diverged points (sweepFigure), so the text says it too.
  for (const a of (layout.annotations ?? []) as { text?: string }[]) if (a.text?.startsWith('no number')) lines.push(`  ${a.text}`);
  return lines.join('\n');
}

/**
 * The figure's MIME bundle: plotly JSON, PNG (when chromium is available) and text/plain.
 */
export async function mimeBundle(fig: Figure, opts: RenderOptions = {}): Promise<MimeBundle> {
  const json = plain({ data: fig.data, layout: fig.layout ?? {} });
  const bundle: MimeBundle = { [PLOTLY_MIME]: json };
  const png = await renderPng(fig, opts);
  if (png !== null) bundle['image/png'] = png;
  bundle['text/plain'] = figureSummary(fig);
  return bundle;
}

let figureCounter = 0;

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'figure'
  );
}

/**
 * Shows `fig` as one notebook output (plotly JSON + PNG + text). Inside a tslab kernel it
 * returns undefined (tslab would print a returned value as a cell's last expression). Outside a
 * kernel it writes the PNG to $DNI_FIGURE_DIR when that is set, and returns the MIME bundle.
 */
export async function show(fig: Figure, opts: RenderOptions = {}): Promise<MimeBundle | undefined> {
  const bundle = await mimeBundle(fig, opts);
  if (displayBundle(bundle)) return undefined;
  const dir = process.env.DNI_FIGURE_DIR;
  if (dir && typeof bundle['image/png'] === 'string') {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${String(++figureCounter).padStart(2, '0')}-${slug(titleText(fig.layout?.title))}.png`);
    fs.writeFileSync(file, Buffer.from(bundle['image/png'] as string, 'base64'));
  }
  return bundle;
}

// ---------------------------------------------------------------------------------------------

export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Optional plotly line style, e.g. `{ dash: 'dot' }`. */
  line?: Record<string, unknown>;
  /** Line colour (see colors.ts: one per method across notebooks). */
  color?: string;
}

export interface LineFigureSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  series: Series[];
  /** Logarithmic y axis. */
  logY?: boolean;
  /** Mark every point (for a few points, e.g. error against position). */
  markers?: boolean;
  width?: number;
  height?: number;
}

/** A line plot (one trace per series), e.g. test error against training step. */
export function lineFigure(spec: LineFigureSpec): Figure {
  for (const s of spec.series) {
    if (s.x.length !== s.y.length) {
      throw new Error(`lineFigure: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
    }
  }
  return {
    data: spec.series.map((s) => ({
      type: 'scatter',
      mode: spec.markers ? 'lines+markers' : 'lines',
      name: s.name,
      x: Array.from(s.x),
      y: Array.from(s.y),
      ...(s.line || s.color ? { line: { ...(s.color ? { color: s.color } : {}), ...s.line } } : {}),
      ...(spec.markers && s.color ? { marker: { color: s.color } } : {}),
    })),
    layout: {
      title: { text: spec.title },
      xaxis: { title: { text: spec.xTitle }, ...(spec.markers ? { dtick: 1 } : {}) },
      yaxis: { title: { text: spec.yTitle }, ...(spec.logY ? logAxis(spec.series) : {}) },
      width: Math.max(spec.width ?? DEFAULT_WIDTH, titleWidth(spec.title)),
      height: spec.height ?? DEFAULT_HEIGHT,
      margin: { l: 70, r: 20, t: 50, b: 50 },
    },
  };
}

export interface Panel {
  title: string;
  series: Series[];
  /** With shareY false: this panel's y title and scale (different quantities per panel). */
  yTitle?: string;
  logY?: boolean;
}

export interface PanelFigureSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  panels: Panel[];
  /** Panels per row (default 2). */
  columns?: number;
  logY?: boolean;
  /** Share one y axis across panels (default); false gives each panel its own (title, scale). */
  shareY?: boolean;
  /** Share one x range across panels (default); false lets each panel span its own data (runs of different lengths). */
  shareX?: boolean;
  /** A y axis of whole numbers (levels, counts): ticks every this many units, no fractions. */
  yDtick?: number;
  width?: number;
  height?: number;
}

/**
 * Panels of line plots in a grid with shared axes (as the paper's Figure 13: one panel per
 * depth), so panels compare at a glance. A series name shows once in the legend, and keeps
 * its colour in every panel.
 */
export function panelFigure(spec: PanelFigureSpec): Figure {
  const n = spec.panels.length;
  if (n === 0) throw new Error('panelFigure: no panels');
  const columns = Math.min(spec.columns ?? 2, n);
  const rows = Math.ceil(n / columns);
  const all = spec.panels.flatMap((p) => p.series);
  const yShared = spec.logY ? logAxis(all) : {};
  const data: Trace[] = [];
  const layout: Record<string, unknown> = {
    title: { text: spec.title },
    grid: { rows, columns, pattern: 'independent', xgap: spec.shareY === false ? 0.16 : 0.08, ygap: 0.3 },
    width: Math.max(spec.width ?? Math.max(720, 450 * columns + 100), titleWidth(spec.title)),
    height: spec.height ?? 360 * rows + 90,
    margin: { l: 70, r: 20, t: 70, b: 50 },
    annotations: [] as unknown[],
  };
  const named = new Set<string>();
  spec.panels.forEach((p, i) => {
    const ax = i === 0 ? '' : String(i + 1);
    for (const s of p.series) {
      if (s.x.length !== s.y.length)
        throw new Error(`panelFigure: series '${s.name}' in panel '${p.title}' has ${s.x.length} x values but ${s.y.length} y values`);
      data.push({
        type: 'scatter',
        mode: 'lines',
        name: s.name,
        x: Array.from(s.x),
        y: Array.from(s.y),
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        legendgroup: s.name,
        showlegend: !named.has(s.name),
        ...(s.line || s.color ? { line: { ...(s.color ? { color: s.color } : {}), ...s.line } } : {}),
      });
      named.add(s.name);
    }
    const col = i % columns;
    // Every panel titles its x axis (a grid with a gap in its last row has no single bottom row);
    // y titles on the left column when the panels share the y axis, which they do with the first panel.
    const ticks = spec.yDtick ? { tick0: 0, dtick: spec.yDtick, tickformat: 'd' } : {};
    layout[`xaxis${ax}`] = { ...(i > 0 && spec.shareX !== false ? { matches: 'x' } : {}), title: { text: spec.xTitle } };
    layout[`yaxis${ax}`] =
      spec.shareY === false
        ? { ...(p.logY ? logAxis(p.series) : {}), ...ticks, title: { text: p.yTitle ?? spec.yTitle } }
        : { ...yShared, ...ticks, ...(i > 0 ? { matches: 'y' } : {}), ...(col === 0 ? { title: { text: spec.yTitle } } : {}) };
    (layout.annotations as unknown[]).push({
      text: `<b>${p.title}</b>`,
      xref: `x${ax} domain`,
      yref: `y${ax} domain`,
      x: 0.5,
      y: 1.02,
      xanchor: 'center',
      yanchor: 'bottom',
      showarrow: false,
    });
  });
  return { data, layout };
}

export interface SweepSpec {
  title: string;
  xTitle: string;
  yTitle: string;
  /** The swept setting's values, as labels, in order (a categorical axis: e.g. decays 0 … 0.999). */
  x: string[];
  series: { name: string; y: number[]; color?: string; dash?: string }[];
  logY?: boolean;
}

/** A measure against the values of a swept setting, one line with markers per series. */
export function sweepFigure(spec: SweepSpec): Figure {
  for (const s of spec.series)
    if (s.y.length !== spec.x.length)
      throw new Error(`sweepFigure: series '${s.name}' has ${s.y.length} values for ${spec.x.length} settings`);
  const asSeries: Series[] = spec.series.map((s) => ({ name: s.name, x: s.y.map((_, i) => i), y: s.y.filter(Number.isFinite) }));
  // A point without a number (a run that diverged) is a gap in its line, named under the figure.
  const gaps = spec.series.flatMap((s) => s.y.flatMap((v, i) => (Number.isFinite(v) ? [] : [`${s.name} at ${spec.x[i]}`])));
  return {
    data: spec.series.map((s) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: s.name,
      x: spec.x,
      y: s.y,
      ...(s.color || s.dash ? { line: { ...(s.color ? { color: s.color } : {}), ...(s.dash ? { dash: s.dash } : {}) } } : {}),
      ...(s.color ? { marker: { color: s.color } } : {}),
    })),
    layout: {
      title: { text: spec.title },
      xaxis: { title: { text: spec.xTitle }, type: 'category' },
      yaxis: { title: { text: spec.yTitle }, ...(spec.logY ? logAxis(asSeries) : {}) },
      width: Math.max(DEFAULT_WIDTH, titleWidth(spec.title)),
      height: DEFAULT_HEIGHT,
      margin: { l: 70, r: 20, t: 50, b: gaps.length ? 80 : 50 },
      ...(gaps.length
        ? {
            annotations: [
              {
                text: `no number (diverged): ${gaps.join('; ')}`,
                xref: 'paper',
                yref: 'paper',
                x: 0,
                y: -0.25,
                showarrow: false,
                xanchor: 'left',
              },
            ],
          }
        : {}),
    },
  };
}
