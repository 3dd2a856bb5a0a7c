/**
 * Results tables: setting columns, then the paper's number, ours, and the budget of each.
 *
 *   const t = resultsTable([
 *     { model: 'FCN 3 layers', method: 'cDNI', paper: '2.2%', ours: '2.4%', budget: budget(500_000, 3_000) },
 *   ]);
 *   showTable(t, { title: 'MNIST test error' });
 *
 * `showTable` publishes ONE output with text/html (a plain <table>, no scripts: fine in untrusted
 * viewers), text/markdown and text/plain.
 */
import * as aq from 'arquero';
import type { ColumnTable } from 'arquero';
import { displayBundle, type MimeBundle } from './display';

export type Cell = string | number | boolean | null | undefined;

/** One table row: any setting columns, plus the paper's value, ours, and the budget. */
export type ResultRow = Record<string, Cell> & { paper: Cell; ours: Cell; budget: Cell };

/** The last three columns of every results table, in this order. */
export const RESULT_COLUMNS = ['paper', 'ours', 'budget'] as const;

/** Formats a number for a table cell: integers as is, others with 4 significant digits. */
export function formatCell(v: Cell): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    return String(Number(v.toPrecision(4)));
  }
  return String(v);
}

/** A step count in short form: 500000 → "500k", 1500000 → "1.5M", 300 → "300". */
export function shortCount(n: number): string {
  const f = (x: number) => String(Number(x.toPrecision(3)));
  if (Math.abs(n) >= 1e6) return `${f(n / 1e6)}M`;
  if (Math.abs(n) >= 1e3) return `${f(n / 1e3)}k`;
  return f(n);
}

/** The budget cell: "<paper's steps> vs <ours>", e.g. budget(500_000, 3_000) → "500k vs 3k". */
export function budget(paperSteps: number | string, oursSteps: number | string): string {
  const s = (x: number | string) => (typeof x === 'number' ? shortCount(x) : x);
  return `${s(paperSteps)} vs ${s(oursSteps)}`;
}

/**
 * An arquero table of results: setting columns (in first-seen order), then paper, ours, budget.
 * Every row must have paper, ours and budget (use null for "not reported"); values are
 * formatted to strings here so that every rendering shows the same text.
 */
export function resultsTable(rows: ResultRow[]): ColumnTable {
  if (rows.length === 0) throw new Error('resultsTable: no rows');
  const settings: string[] = [];
  rows.forEach((row, i) => {
    for (const c of RESULT_COLUMNS) {
      if (!(c in row)) throw new Error(`resultsTable: row ${i} has no '${c}' column (columns: ${Object.keys(row).join(', ')})`);
    }
    for (const k of Object.keys(row)) {
      if (!(RESULT_COLUMNS as readonly string[]).includes(k) && !settings.includes(k)) settings.push(k);
    }
  });
  const columns: Record<string, string[]> = {};
  for (const c of [...settings, ...RESULT_COLUMNS]) columns[c] = rows.map((r) => formatCell(r[c]));
  return aq.table(columns);
}

export interface TableOptions {
  title?: string;
  /** Outside a kernel, don't print the text form (tests). */
  quiet?: boolean;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function textTable(table: ColumnTable): string {
  const names = table.columnNames();
  const rows = (table.objects() as Record<string, Cell>[]).map((r) => names.map((n) => formatCell(r[n])));
  const widths = names.map((n, j) => Math.max(n.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => c.padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  return [line(names), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The table's MIME bundle: text/html (plain <table>), text/markdown and text/plain. */
export function tableBundle(table: ColumnTable, opts: TableOptions = {}): MimeBundle {
  let html = table.toHTML({ limit: Infinity });
  if (opts.title) html = html.replace(/^<table>/, `<table><caption>${escapeHtml(opts.title)}</caption>`);
  const markdown = table.toMarkdown({ limit: Infinity }).trimEnd();
  const text = textTable(table);
  return {
    'text/html': html,
    'text/markdown': opts.title ? `**${opts.title}**\n\n${markdown}\n` : `${markdown}\n`,
    'text/plain': opts.title ? `${opts.title}\n${text}` : text,
  };
}

/**
 * Shows the table as one notebook output and returns undefined (tslab would print a returned
 * value). Outside a tslab kernel it prints the text form (unless `quiet`) and returns the bundle.
 */
export function showTable(table: ColumnTable, opts: TableOptions = {}): MimeBundle | undefined {
  const bundle = tableBundle(table, opts);
  if (displayBundle(bundle)) return undefined;
  if (!opts.quiet) console.log(bundle['text/plain']);
  return bundle;
}
