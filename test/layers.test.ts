/**
 * The house rules of lib/, checked on the source: every file sits in a layer, imports only from
 * its own layer or those below it, no two files import each other (directly or round a circle),
 * and no file is longer than the limit (300 lines; 250 in experiments/).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../lib/core/root';

/** Bottom to top. A layer may import from itself and from the layers before it. */
const LAYERS = [
  'blas',
  'core',
  'data',
  'modules',
  'tasks',
  'networks',
  'synthesizers',
  'trainers',
  'runs',
  'experiments',
  'notebook',
  'index.ts',
];
const LIB = path.join(projectRoot(), 'lib');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const layerOf = (file: string) => path.relative(LIB, file).split(path.sep)[0];

/** The lib files `file` imports (relative specifiers in import / export … from, import(), require()). */
function imports(file: string): string[] {
  // Comments hold examples of notebook imports ('../dist/lib/…'): only code counts.
  const text = fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const t = path.resolve(path.dirname(file), m[1]);
    const hit = [`${t}.ts`, path.join(t, 'index.ts')].find((c) => fs.existsSync(c));
    assert.ok(hit, `${path.relative(LIB, file)} imports ${m[1]}, which is not a file of lib/`);
    out.push(hit);
  }
  return out;
}

describe('lib/ layout', () => {
  const files = sources(LIB);
  const graph = new Map(files.map((f) => [f, imports(f)]));

  it('every file is in a layer, and imports only from its own layer or below', () => {
    const wrong: string[] = [];
    for (const [f, deps] of graph) {
      const mine = LAYERS.indexOf(layerOf(f));
      if (mine < 0) {
        wrong.push(`${path.relative(LIB, f)} is in no layer (${LAYERS.join(' < ')})`);
        continue;
      }
      for (const d of deps) {
        if (LAYERS.indexOf(layerOf(d)) > mine)
          wrong.push(`${path.relative(LIB, f)} (${layerOf(f)}) imports ${path.relative(LIB, d)} (${layerOf(d)}), a layer above it`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('the import graph has no cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, stack: string[]): void => {
      state.set(f, 'open');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => path.relative(LIB, x)).join(' → '));
        else if (!state.has(d)) visit(d, stack);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f, []);
    assert.deepEqual(cycles, []);
  });

  it('no file is over 300 lines, none in experiments/ over 250', () => {
    const long = files
      .map((f) => ({ f: path.relative(LIB, f), n: fs.readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter(({ f, n }) => n > (f.startsWith(`experiments${path.sep}`) ? 250 : 300))
      .map(({ f, n }) => `${f}: ${n} lines`);
    assert.deepEqual(long, []);
  });
});
