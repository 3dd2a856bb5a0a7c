/**
 * Computes the results entries that notebooks used, on several processes at once, before the
 * notebooks execute (run-notebooks.py --recompute calls it):
 *
 *   npx tsx scripts/compute-runs.ts --scale <s> --from <results dir> --jobs N --report <file.json> <notebook.ipynb>...
 *
 * The record of the committed runs (<from>/notebooks/<scale>.json) names the entries each notebook
 * used; each entry holds its run's config. Those runs are spread over N processes (longest
 * recorded first, each to the process with the least work so far) and stored under
 * DNI_RESULTS_DIR with the names the notebooks give them, so a notebook executed afterwards finds
 * them cached, and two cores are busy even while one long notebook runs. A notebook run
 * sequentially would compute the same numbers: the same name, config and code.
 *
 * Left to the notebook: the wall-clock runs of section 15 (they time two workers each, so they
 * need the cores to themselves), runs not in the record, and any whose config no longer resolves
 * to the entry it came from. The report lists every entry with its notebook, its seconds and
 * what happened to it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend } from '../lib/core/backend';
import { runCharLm } from '../lib/experiments/run-char-lm';
import { inputFromCacheConfig, runExperiment } from '../lib/experiments/run-classifier';
import { runCopy } from '../lib/experiments/run-copy';
import { runSufficiency } from '../lib/experiments/run-sufficiency';
import { runTwoClocks } from '../lib/experiments/run-two-clocks';
import type { SufficiencySpec } from '../lib/runs/sufficiency-spec';
import type { TwoClocksRunSpec } from '../lib/runs/train-two-clocks';
import { type EntryKind, entryKind } from './entry-kind';
import { manifestFile, readManifest, runSeconds } from './run-record';

type Config = Record<string, unknown>;
export interface Job {
  entry: string;
  notebook: string;
  recorded: number;
}
export interface RunReport {
  entry: string;
  notebook: string;
  status: 'computed' | 'left to the notebook' | 'failed';
  seconds: number;
  why?: string;
  worker?: number;
}

/** The name a notebook gave an entry: its file name less the config key. */
function entryName(entry: string): string {
  const m = /^(.*)-[0-9a-f]{16}\.json$/.exec(entry);
  if (!m) throw new Error(`'${entry}' is not a results entry's file name (<name>-<16 hex digits>.json)`);
  return m[1];
}

/** Computes one entry from its committed config, with the runner of its kind; null, or why it is left to the notebook. */
async function compute(name: string, config: Config, diverged: boolean): Promise<string | null> {
  const run = config.run as never;
  let kind: EntryKind;
  try {
    kind = entryKind(config);
  } catch (e) {
    return (e as Error).message; // an unknown kind of entry
  }
  switch (kind) {
    case 'wall-clock':
      return 'a wall-clock run (section 15) times two workers and needs the cores to itself';
    case 'char-LM':
      await runCharLm(name, run, { quiet: true });
      break;
    case 'Copy':
      await runCopy(name, run, { quiet: true });
      break;
    case 'two-clocks':
      await runTwoClocks(name, run as TwoClocksRunSpec, { quiet: true });
      break;
    case 'sufficiency':
      await runSufficiency(name, run as SufficiencySpec, { quiet: true });
      break;
    case 'feed-forward':
      await runExperiment(name, inputFromCacheConfig(config as Parameters<typeof inputFromCacheConfig>[0]), {
        quiet: true,
        recordDivergence: diverged,
      });
  }
  return null;
}

/** Worker: computes the entries listed in a file, one report line per entry ("RUN <json>"). */
async function worker(listFile: string, from: string, id: number): Promise<void> {
  await initBackend();
  const into = path.resolve(process.env.DNI_RESULTS_DIR ?? '');
  const jobs = JSON.parse(fs.readFileSync(listFile, 'utf8')) as Job[];
  for (const j of jobs) {
    const t0 = performance.now();
    let report: RunReport;
    try {
      const stored = JSON.parse(fs.readFileSync(path.join(from, j.entry), 'utf8')) as { config: Config; result: { diverged?: unknown } };
      const name = entryName(j.entry);
      const left = await compute(name, stored.config, Boolean(stored.result?.diverged));
      const seconds = (performance.now() - t0) / 1000;
      // The runner stores under the key of the config as the current code resolves it: when that
      // is no longer the recorded entry, the notebook will look for its own and compute it.
      if (left) report = { ...j, status: 'left to the notebook', seconds: 0, why: left };
      else if (!fs.existsSync(path.join(into, j.entry)))
        report = { ...j, status: 'left to the notebook', seconds, why: 'its config no longer resolves to this entry' };
      else report = { ...j, status: 'computed', seconds };
    } catch (e) {
      report = { ...j, status: 'failed', seconds: (performance.now() - t0) / 1000, why: (e as Error).message.split('\n')[0] };
    }
    console.log(`RUN ${JSON.stringify({ ...report, worker: id })}`);
  }
}

/** The committed record's entries of these notebooks, each once (the first notebook that used it owns it). */
function jobsOf(from: string, scale: string, notebooks: string[]): Job[] {
  const record = readManifest(from, scale, 'compute-runs');
  const seen = new Set<string>();
  const jobs: Job[] = [];
  for (const nb of notebooks.map((p) => path.basename(p))) {
    for (const r of record[nb]?.runs ?? []) {
      if (seen.has(r.entry)) continue;
      seen.add(r.entry);
      jobs.push({ entry: r.entry, notebook: nb, recorded: runSeconds(r) ?? 0 });
    }
  }
  return jobs;
}

/** Longest recorded run first, each to the least loaded of n lists. */
export function spread(jobs: Job[], n: number): Job[][] {
  const lists: Job[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  for (const j of [...jobs].sort((a, b) => b.recorded - a.recorded)) {
    const i = load.indexOf(Math.min(...load));
    lists[i].push(j);
    load[i] += j.recorded;
  }
  return lists;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function parent(): Promise<void> {
  const scale = arg('--scale') ?? 'cpu';
  const from = path.resolve(arg('--from') ?? 'results');
  const jobsN = Number(arg('--jobs') ?? '1');
  const reportFile = arg('--report');
  if (!Number.isInteger(jobsN) || jobsN < 1) throw new Error(`--jobs must be a whole number ≥ 1, got ${arg('--jobs')}`);
  if (!process.env.DNI_RESULTS_DIR) throw new Error('DNI_RESULTS_DIR must name the folder the runs are stored in');
  if (path.resolve(process.env.DNI_RESULTS_DIR) === from)
    throw new Error(`--from ${from} is DNI_RESULTS_DIR: the runs would be read from where they are written`);
  const notebooks = process.argv.slice(2).filter((a, i, all) => a.endsWith('.ipynb') && !all[i - 1]?.startsWith('--'));
  const jobs = jobsOf(from, scale, notebooks);
  if (jobs.length === 0) {
    console.log(`runs first: no recorded ${scale} runs of these notebooks (${manifestFile(from, scale)}); the notebooks compute them`);
    if (reportFile) fs.writeFileSync(reportFile, `${JSON.stringify({ wallSeconds: 0, jobs: jobsN, runs: [] }, null, 1)}\n`);
    return;
  }
  const recorded = jobs.reduce((s, j) => s + j.recorded, 0);
  console.log(
    `runs first: ${jobs.length} recorded run(s) of ${notebooks.length} notebook(s) on ${jobsN} process(es); ${(recorded / 60).toFixed(0)} min recorded`,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dni-runs-'));
  const reports: RunReport[] = [];
  const t0 = performance.now();
  await Promise.all(
    spread(jobs, jobsN).map(
      (list, id) =>
        new Promise<void>((resolve) => {
          const file = path.join(tmp, `list-${id}.json`);
          fs.writeFileSync(file, JSON.stringify(list));
          const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--worker', file, '--from', from, '--id', String(id)], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let buf = '';
          child.stdout.on('data', (d: Buffer) => {
            buf += d.toString();
            for (let k = buf.indexOf('\n'); k >= 0; k = buf.indexOf('\n')) {
              const line = buf.slice(0, k);
              buf = buf.slice(k + 1);
              if (!line.startsWith('RUN ')) continue;
              const r = JSON.parse(line.slice(4)) as RunReport;
              reports.push(r);
              const what = r.status === 'computed' ? `computed in ${r.seconds.toFixed(0)} s` : `${r.status}: ${r.why}`;
              console.log(`  [${reports.length}/${jobs.length}] ${r.entry}: ${what}`);
            }
          });
          child.on('close', (code) => {
            if (code !== 0) console.log(`  process ${id} exited with status ${code}; the notebooks compute what it did not`);
            resolve();
          });
        }),
    ),
  );
  fs.rmSync(tmp, { recursive: true, force: true });
  const wall = (performance.now() - t0) / 1000;
  const computed = reports.filter((r) => r.status === 'computed');
  console.log(
    `runs first: ${computed.length} of ${jobs.length} computed in ${(wall / 60).toFixed(1)} min of wall time ` +
      `(${(computed.reduce((s, r) => s + r.seconds, 0) / 60).toFixed(1)} min of process time)`,
  );
  if (reportFile) fs.writeFileSync(reportFile, `${JSON.stringify({ wallSeconds: wall, jobs: jobsN, runs: reports }, null, 1)}\n`);
}

if (require.main === module) {
  const listFile = arg('--worker');
  (listFile ? worker(listFile, path.resolve(arg('--from') ?? 'results'), Number(arg('--id') ?? '0')) : parent()).catch((e) => {
    console.error(`compute-runs: ${(e as Error).message}`);
    process.exit(1);
  });
}
