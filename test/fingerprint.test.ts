/**
 * The results cache's numerics fingerprint, tested on real edits: a copy of lib/ is changed the
 * way a refactor, a formula change or a data change would change it, and each copy computes the
 * cache key and fingerprint of the same grid cells in a child process.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { blasInfo, nativeBlasAvailable, setNativeBlas } from '../lib/blas';
import { type Fingerprint, fingerprintMismatch, probe } from '../lib/experiments/fingerprint';
import { cellSpec, gridConfig } from '../lib/experiments/grid';
import { TABLE2_PRESETS } from '../lib/experiments/sections/table2';

const ROOT = path.resolve(__dirname, '..');

type Out = Record<string, { key: string; fp: Fingerprint }>;

/** Copies lib/ under the project root (so node_modules resolves), applies edits, and runs the probe script on it. */
function measure(edits: [file: string, from: RegExp | string, to: string][]): Out {
  const dir = fs.mkdtempSync(path.join(ROOT, '.fp-copy-'));
  try {
    fs.cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true });
    for (const [file, from, to] of edits) {
      const f = path.join(dir, 'lib', file);
      const before = fs.readFileSync(f, 'utf8');
      const after = typeof from === 'string' ? before.split(from).join(to) : before.replace(from, to);
      assert.notEqual(after, before, `the edit of ${file} matched nothing: ${from}`);
      fs.writeFileSync(f, after);
    }
    const lib = path.join(dir, 'lib');
    const script = path.join(dir, 'probe.ts');
    fs.writeFileSync(
      script,
      `import { initBackend } from '${lib}/core/backend';
import { cacheConfig, cachePath, cellSpec, fingerprint, gridConfig, TABLE2_PRESETS } from '${lib}/experiments';
(async () => {
  await initBackend();
  const cfg = gridConfig({ ...TABLE2_PRESETS.mnistFcn.smoke, methods: ['dni', 'lambda=0.5'] });
  const out: Record<string, unknown> = {};
  for (const m of cfg.methods) {
    const spec = cellSpec(cfg, 3, m);
    out[m] = { key: cachePath('x', cacheConfig(spec), { dir: '/' }), fp: await fingerprint(spec.dataset, spec.run) };
  }
  console.log('RESULT ' + JSON.stringify(out));
})();
`,
    );
    const r = spawnSync('npx', ['tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    assert.ok(line, `probe script failed:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(line.slice(7)) as Out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('numerics fingerprint of the results cache', function () {
  this.timeout(300_000);
  let base: Out;
  before(() => {
    base = measure([]);
  });

  const same = (a: Out, m: string) => a[m].key === base[m].key && fingerprintMismatch(base[m].fp, a[m].fp) === null;

  it('is reproducible, and differs between methods', () => {
    const again = measure([]);
    for (const m of Object.keys(base)) assert.ok(same(again, m), m);
    assert.notEqual(fingerprintMismatch(base.dni.fp, base['lambda=0.5'].fp), null);
  });

  it('does not depend on which path computed it: wasm with and without OpenBLAS, and the cpu backend', async () => {
    const native = nativeBlasAvailable().ok;
    const wasm = tf.getBackend() === 'wasm';
    // The 21-layer one: deep stacks of tiny layers amplified rounding until the probe shortened them.
    for (const [family, depth, method] of [
      ['mnistFcn', 4, 'dni'],
      ['mnistFcn', 3, 'lambda=0.5'],
      ['cifarCnn', 3, 'cdni'],
      ['mnistFcn', 21, 'cdni'],
      ['mnistFcn', 4, 'cdni+unlock'],
    ] as const) {
      const spec = cellSpec(gridConfig({ ...TABLE2_PRESETS[family].cpu, depths: [depth], methods: [method] }), depth, method).run;
      const runs: number[][] = [await probe(spec)];
      if (wasm && native) {
        const was = blasInfo().enabled;
        setNativeBlas(!was);
        try {
          runs.push(await probe(spec));
        } finally {
          setNativeBlas(was);
        }
      }
      const before = tf.getBackend();
      await tf.setBackend('cpu');
      try {
        runs.push(await probe(spec));
      } finally {
        await tf.setBackend(before);
      }
      for (const r of runs.slice(1)) {
        const why = fingerprintMismatch({ probe: runs[0], data: '' }, { probe: r, data: '' });
        assert.equal(why, null, `${family} ${depth}L ${method}: ${why}`);
      }
    }
  });

  it('a comment, a renamed variable and a renamed function leave it unchanged', () => {
    const out = measure([
      ['trainers/unit.ts', /^/, '// A comment added by a refactor.\n'],
      ['trainers/bp-lambda.ts', /\bincoming\b/g, 'fromAbove'],
      ['trainers/spec.ts', /\bsynthesizerFor\b/g, 'resolvedSynthesizer'],
      ['trainers/bp-lambda.ts', /\bsynthesizerFor\b/g, 'resolvedSynthesizer'],
      ['experiments/run-classifier.ts', /\bsynthesizerFor\b/g, 'resolvedSynthesizer'],
      ['experiments/fingerprint.ts', /\bsynthesizerFor\b/g, 'resolvedSynthesizer'],
    ]);
    for (const m of Object.keys(base)) assert.ok(same(out, m), `${m}: ${fingerprintMismatch(base[m].fp, out[m].fp)}`);
  });

  it('a changed formula (the mixture weight 1 − λ) changes it where the formula is used', () => {
    const out = measure([['trainers/mixture.ts', 'tf.mul(g, 1 - lambda)', 'tf.mul(g, 1 - lambda * lambda)']]);
    assert.match(fingerprintMismatch(base['lambda=0.5'].fp, out['lambda=0.5'].fp) ?? '', /numerics changed/);
    assert.ok(same(out, 'dni'), 'λ = 0 does not use the mixture');
  });

  it('changed code that picks data changes it: the loader, and the run loop’s choice of evaluation examples', () => {
    const loader = measure([['data/dataset.ts', 't[i] = i / 255;', 't[i] = i / 256;']]);
    assert.match(fingerprintMismatch(base.dni.fp, loader.dni.fp) ?? '', /dataset's contents changed/);
    const subset = measure([
      ['runs/train-classifier.ts', 'subset(data.test, 0, spec.evalExamples)', 'subset(data.test, 1, spec.evalExamples)'],
    ]);
    assert.match(fingerprintMismatch(base.dni.fp, subset.dni.fp) ?? '', /numerics changed/);
  });

  it('changed code that builds the config changes the key (a family mapped to another dataset)', function () {
    if (!fs.existsSync(path.join(process.env.DNI_DATA_DIR ?? path.join(ROOT, 'data'), 'cifar-10-batches-bin'))) {
      this.skip(); // CIFAR-10 is not on this machine: `npm run data` fetches it.
    }
    const out = measure([['experiments/grid.ts', "mnistFcn: 'mnist',", "mnistFcn: 'cifar10',"]]);
    assert.notEqual(out.dni.key, base.dni.key);
  });
});
