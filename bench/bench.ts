/**
 * npm run bench [-- --json] [-- --steps N] [-- --pytorch] [-- --no-cnn] [-- --no-lstm] [-- --only <name part>] [-- --path <p>]
 * npm run bench -- --workers N [--steps S] [--json]: decoupled units on N worker threads (bench/workers.ts)
 *
 * Milliseconds per training step, in one process, on every kernel path this machine has
 * (plain wasm, and wasm + OpenBLAS where the addon is built):
 *   - the MNIST FCN (batch 256, Adam): backprop, every-layer DNI (2×1024 synthesizers) and cDNI
 *     (linear synthesizers), at 3 and 6 layers;
 *   - the MNIST and CIFAR-10 CNNs at 3 layers with the paper's filters (64, 128), backprop and
 *     DNI (two hidden 5×5 conv layers as wide as the layer), batch 64 and 256;
 *   - an LSTM of 256 units on Copy, batch 256: ms per training chunk of T = 5 and 8 steps with
 *     truncated BPTT, DNI and DNI+Aux, sequences per second, and the chunk's matmul FLOPs per
 *     second against the path's calibration matmul (bench/lstm.ts);
 *   - a character-level PTB language model at the cpu preset's size (PTB_PRESET): ms per
 *     training chunk and characters per second, truncated BPTT and DNI (bench/charlm.ts).
 * Each path's calibration matmul (1024³) is printed beside it. `--pytorch` also times every row in
 * PyTorch (bench/pytorch.py with pytorch_cnn.py and pytorch_lstm.py; Debian's python3-torch with
 * libopenblas0-openmp) on 1 and 2 threads in the same run, and prints ours ÷ PyTorch
 * (bench/pytorch-ref.ts). `--path <p>` measures one kernel path only (wasm or wasm+blas). The
 * methods come from the library's one method → spec map, so the bench times what the notebooks run.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '../lib/core/backend';
import { mnistCnn, cifarCnn, mnistFcn } from '../lib/networks/build';
import { depth, inputShape, type NetworkSpec } from '../lib/networks/spec';
import { Batcher, batchTensors, type Dataset, randomDataset } from '../lib/data/dataset';
import { loadMnist } from '../lib/data/mnist';
import { methodSpec, type Table2Method } from '../lib/experiments/methods';
import type { SynthesizerSpec } from '../lib/synthesizers/spec';
import { BPLambdaTrainer } from '../lib/trainers/bp-lambda';
import { bpLambdaSpec } from '../lib/trainers/spec';
import { charLmConfigs, type CharLmTiming, printCharLmTable, timeCharLm } from './charlm';
import { lstmConfigs, type LstmTiming, timeLstm } from './lstm';
import { availablePaths, calibrationGflops, describePath, type KernelPath, usePath } from './paths';
import { type Family, family, pytorch, TORCH_HEADER, torchCells } from './pytorch-ref';
import { benchWorkers } from './workers';

interface Config {
  name: string;
  network: NetworkSpec;
  method: Table2Method;
  synthesizer: Partial<SynthesizerSpec>;
  batch: number;
  fcn: boolean;
}

// The paper's synthesizers (D.1); the method sets λ and the conditioning.
const FCN_SYNTH: Record<string, Partial<SynthesizerSpec>> = { bprop: {}, dni: { hiddenLayers: 2, width: 1024 }, cdni: { hiddenLayers: 0 } };

function configs(cnn: boolean): Config[] {
  const out: Config[] = [];
  for (const method of ['bprop', 'dni', 'cdni'] as const) {
    for (const depth of [3, 6])
      out.push({ name: `${method}-${depth}`, network: mnistFcn(depth), method, synthesizer: FCN_SYNTH[method], batch: 256, fcn: true });
  }
  if (cnn) {
    for (const [family, network, filters] of [
      ['mnistCnn', mnistCnn(3), 64],
      ['cifarCnn', cifarCnn(3), 128],
    ] as const) {
      for (const method of ['bprop', 'dni'] as const) {
        for (const batch of [64, 256]) {
          out.push({
            name: `${family}-3 ${method} b${batch}`,
            network,
            method,
            synthesizer: { hiddenLayers: 2, width: filters, kernel: 5 },
            batch,
            fcn: false,
          });
        }
      }
    }
  }
  return out;
}

/** Median ms per step after the warm-up steps (a fresh process takes tens of FCN steps to reach the speed of a long run). */
function timeSteps(c: Config, data: Dataset, steps: number): number {
  const warmup = c.fcn ? 40 : 2;
  const m = methodSpec(c.method, depth(c.network));
  const t = new BPLambdaTrainer(
    bpLambdaSpec({ network: c.network, lambda: m.lambda, synthesizer: { ...c.synthesizer, ...m.synthesizer }, optimizer: { lr: 1e-4 } }),
  );
  const shape = c.network.kind === 'fcn' ? [c.network.input] : c.network.input;
  const batcher = new Batcher(data, c.batch, 0, { dropRemainder: true });
  const times: number[] = [];
  for (let i = 0; i < steps + warmup; i++) {
    const { x, y } = batchTensors(batcher.next(), shape);
    const t0 = performance.now();
    t.step({ x, y });
    if (i >= warmup) times.push(performance.now() - t0);
    tf.dispose([x, y]);
  }
  t.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** One row, measured in a child process so that one config running out of wasm memory cannot take the rest down. */
function measureRow(p: KernelPath, name: string, steps: number): { ms: number; lstm?: LstmTiming; lm?: CharLmTiming } | { error: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--row', p, name, '--steps', String(steps)], {
    encoding: 'utf8',
    timeout: 1_800_000,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('ROW '));
  const lstm = r.stdout.split('\n').find((l) => l.startsWith('LSTM '));
  const lm = r.stdout.split('\n').find((l) => l.startsWith('CHARLM '));
  if (line)
    return {
      ms: Number(line.slice(4)),
      ...(lstm ? { lstm: JSON.parse(lstm.slice(5)) as LstmTiming } : {}),
      ...(lm ? { lm: JSON.parse(lm.slice(7)) as CharLmTiming } : {}),
    };
  const err = `${r.stderr}`.split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${r.status}`;
  return { error: /memory access out of bounds|Out of memory|Cannot allocate/i.test(err) ? 'out of wasm memory' : err.trim().slice(0, 80) };
}

/** Child: one config on one path, printed as "ROW <ms>". */
async function row(p: KernelPath, name: string, steps: number): Promise<void> {
  await initBackend();
  usePath(p);
  const l = lstmConfigs().find((x) => x.name === name);
  if (l) {
    const r = timeLstm(l, steps);
    console.log(`ROW ${r.ms}`);
    console.log(`LSTM ${JSON.stringify(r)}`);
    return;
  }
  const lm = charLmConfigs().find((x) => x.name === name);
  if (lm) {
    const r = timeCharLm(lm, steps);
    console.log(`ROW ${r.ms}`);
    console.log(`CHARLM ${JSON.stringify(r)}`);
    return;
  }
  const c = configs(true).find((x) => x.name === name);
  if (!c) throw new Error(`no bench config '${name}'`);
  // CNN steps are slow on plain wasm: fewer of them.
  const n = c.fcn ? steps : Math.max(3, Math.floor(steps / 3));
  console.log(
    `ROW ${timeSteps(c, c.fcn ? loadMnist().train : randomDataset(inputShape(c.network), c.network.classes, 2 * c.batch, 0), n)}`,
  );
}

async function main(): Promise<void> {
  const steps = Number(arg('--steps') ?? 15);
  if (arg('--workers')) return benchWorkers(Number(arg('--workers')), Number(arg('--steps') ?? 30), process.argv.includes('--json'));
  const rowAt = process.argv.indexOf('--row');
  if (rowAt >= 0) return row(process.argv[rowAt + 1] as KernelPath, process.argv[rowAt + 2], steps);
  const json = process.argv.includes('--json');
  const only = arg('--only');
  const info = await initBackend();
  if (!json) console.log(describeBackend(info));
  const list = configs(!process.argv.includes('--no-cnn')).filter((c) => !only || c.name.includes(only));
  const lstmList = process.argv.includes('--no-lstm') ? [] : lstmConfigs().filter((c) => !only || c.name.includes(only));
  const lmList = process.argv.includes('--no-lstm') ? [] : charLmConfigs().filter((c) => !only || c.name.includes(only));
  const rows: {
    config: string;
    path: KernelPath;
    msPerStep: number | null;
    error?: string;
    matmulGflops: number;
    lstm?: LstmTiming;
    lm?: CharLmTiming;
  }[] = [];
  const onlyPath = arg('--path');
  if (onlyPath && !availablePaths().includes(onlyPath as KernelPath))
    throw new Error(`--path ${onlyPath}: not a kernel path here; available: ${availablePaths().join(', ')}`);
  const paths = onlyPath ? [onlyPath as KernelPath] : availablePaths();
  for (const p of paths) {
    usePath(p);
    const gflops = Number(calibrationGflops().toFixed(1));
    if (!json) console.log(`path ${describePath()}: calibration 1024³ matmul ${gflops} GFLOP/s`);
    // The parent's OpenBLAS threads would keep spinning beside the children: back to plain wasm while they run.
    usePath(paths[0]);
    for (const c of [...list, ...lstmList, ...lmList]) {
      const m = measureRow(p, c.name, steps);
      const r = {
        family: family(c.name),
        config: c.name,
        path: p,
        msPerStep: 'ms' in m ? Number(m.ms.toFixed(1)) : null,
        ...('error' in m ? { error: m.error } : {}),
        ...('lstm' in m ? { lstm: m.lstm } : {}),
        ...('lm' in m ? { lm: m.lm } : {}),
        matmulGflops: gflops,
      };
      rows.push(r);
      if (json) console.log(JSON.stringify(r));
      else if ('error' in m) console.log(`  ${p} ${c.name}: ${m.error}`);
    }
  }
  const families = [...new Set([...list, ...lstmList, ...lmList].map((c) => family(c.name)))] as Family[];
  const torch = process.argv.includes('--pytorch') && families.length ? pytorch(steps, families) : null;
  if (json) {
    if (torch)
      for (const [k, v] of torch)
        console.log(
          JSON.stringify({
            family: family(k.split('@')[0]),
            config: k.split('@')[0],
            path: 'pytorch',
            threads: Number(k.split('@')[1]),
            msPerStep: v,
          }),
        );
    return;
  }
  if (list.length) printStepTable(list, rows, paths, steps, torch);
  if (lmList.length) printCharLmTable(lmList, rows, paths, steps, (name, ms) => torchCells(torch, name, ms), torch ? TORCH_HEADER : []);
  if (!lstmList.length) return;
  console.log(
    `\nLSTM on Copy (256 units, batch 256): ms per chunk of T steps, median of ${steps} chunks after 5 warm-up chunks of a continuing stream; CPU ms is this process's (the machine may be shared); sequences/s for whole Copy sequences of N = 10 (21 steps); GFLOP/s = the chunk's matmul FLOPs ÷ wall time, beside the path's 1024³ calibration matmul\n`,
  );
  const lh = [
    'config',
    'path',
    'ms/chunk',
    'CPU ms/chunk',
    'sequences/s',
    'MFLOP/chunk',
    'GFLOP/s',
    'calibration GFLOP/s',
    ...(torch ? TORCH_HEADER : []),
  ];
  console.log(`| ${lh.join(' | ')} |`);
  console.log(`|${lh.map(() => '---').join('|')}|`);
  for (const c of lstmList) {
    for (const p of paths) {
      const r = rows.find((x) => x.config === c.name && x.path === p)!;
      const t = r.lstm;
      const cells = t
        ? [t.ms.toFixed(1), t.cpuMs.toFixed(1), t.seqPerSec.toFixed(0), (t.flops / 1e6).toFixed(0), (t.flops / (t.ms * 1e6)).toFixed(1)]
        : [r.error ?? 'failed', '—', '—', '—', '—'];
      console.log(`| ${[c.name, p, ...cells, r.matmulGflops, ...torchCells(torch, c.name, t ? t.ms : null)].join(' | ')} |`);
    }
  }
}

/** The FCN and CNN table: ms per step on every path, the speed-up, and PyTorch beside them. */
function printStepTable(
  list: Config[],
  rows: { config: string; path: KernelPath; msPerStep: number | null; error?: string }[],
  paths: KernelPath[],
  steps: number,
  torch: Map<string, number> | null,
): void {
  console.log(
    `\nms per step: median of ${steps} steps after 40 warm-up steps (CNNs: ${Math.max(3, Math.floor(steps / 3))} after 2), each config in its own process; Adam; FCNs on MNIST batches, CNNs on random images\n`,
  );
  const header = ['config', ...paths.map((p) => `${p} (ms)`), ...(paths.length > 1 ? ['speed-up'] : []), ...(torch ? TORCH_HEADER : [])];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const c of list) {
    const ms = paths.map((p) => rows.find((r) => r.config === c.name && r.path === p)!);
    const best = ms[ms.length - 1].msPerStep;
    const cells = [c.name, ...ms.map((r) => (r.msPerStep === null ? (r.error ?? 'failed') : String(r.msPerStep)))];
    if (paths.length > 1) cells.push(ms[0].msPerStep !== null && best !== null ? `${(ms[0].msPerStep / best).toFixed(2)}×` : '—');
    cells.push(...torchCells(torch, c.name, best));
    console.log(`| ${cells.join(' | ')} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
