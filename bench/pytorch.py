#!/usr/bin/python3
"""Optional PyTorch reference for bench: ms per training step of the same six MNIST FCN configs
and of the CNN rows (pytorch_cnn.py), and per training chunk of the LSTM rows (Copy) and the
character-level LM rows (pytorch_lstm.py).

    /usr/bin/python3 bench/pytorch.py [--steps N] [--threads 1,2] [--families fcn,cnn,lstm,charlm]

Needs Debian's python3-torch with OpenBLAS (without libopenblas0-openmp it links the slow
reference BLAS):  apt-get install -y python3-torch libopenblas0-openmp
With both OpenBLAS builds installed, libblas.so.3 resolves to the pthreads one, whose own thread
pool torch.set_num_threads does not set: "1 thread" then ran its matmuls on every core, and 2
threads oversubscribed them (2 threads slower than 1). So OpenBLAS's threads are set with torch's
(through ctypes), and bench.ts runs this script with the OpenMP build first on LD_LIBRARY_PATH,
where torch and OpenBLAS share one OpenMP pool; on a pthreads build, rows above 1 thread are
skipped with the reason.
Prints one JSON line per config and thread count (family, variant, config, path, threads, msPerStep). Random inputs of MNIST's shape: the
timing does not depend on the pixels. The tests never run this.

Configs (as bench/bench.ts): 784-256-...-10 FCN, `depth` linear layers, hidden layers
Linear→BN→ReLU, batch 256, Adam.
  bprop: plain backprop.
  dni:   every connection decoupled; per-connection synthesizers Linear→BN→ReLU ×2 (1024
         wide) → Linear (zero-initialised), regressing onto bootstrapped targets: the
         gradient that the next block's synthetic gradient (or, for the last, the loss) sends back.
  cdni:  as dni with linear synthesizers conditioned on the one-hot label.
The steps and the timing loop are pytorch_steps.py's, shared with the CNN rows.
"""
import argparse
import json

import torch
import torch.nn as nn

import pytorch_cnn
import pytorch_lstm
from pytorch_steps import median_ms, step_bprop, step_dni


def fcn_blocks(depth, width=256):
    dims = [784] + [width] * (depth - 1)
    blocks = [nn.Sequential(nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()) for a, b in zip(dims, dims[1:])]
    return nn.ModuleList(blocks + [nn.Linear(dims[-1], 10)])


def synthesizer(width, conditioned, hidden):
    d_in = width + (10 if conditioned else 0)
    layers, d = [], d_in
    for _ in range(hidden):
        layers += [nn.Linear(d, 1024), nn.BatchNorm1d(1024), nn.ReLU()]
        d = 1024
    last = nn.Linear(d, width)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


def make(variant, depth):
    blocks = fcn_blocks(depth)
    synths = nn.ModuleList()
    if variant != 'bprop':
        conditioned = variant == 'cdni'
        synths = nn.ModuleList(synthesizer(256, conditioned, 0 if conditioned else 2) for _ in range(depth - 1))
    params = list(blocks.parameters()) + list(synths.parameters())
    return blocks, synths, torch.optim.Adam(params, lr=1e-4)


def blas_library():
    """The BLAS this process mapped (Debian's torch calls whatever libblas.so.3 points to)."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    with open('/proc/self/maps') as f:
        maps = f.read()
    for needle, name in [('openblas-openmp', 'OpenBLAS (OpenMP)'), ('openblas-pthread', 'OpenBLAS (pthreads)'), ('openblas', 'OpenBLAS'), ('mkl', 'MKL'), ('blas', 'reference BLAS (slow)')]:
        if needle in maps:
            return name
    return 'unknown'


def openblas():
    """The OpenBLAS library this process mapped, through ctypes (None for another BLAS)."""
    import ctypes
    with open('/proc/self/maps') as f:
        paths = sorted({line.split()[-1] for line in f if 'libopenblas' in line and line.split()[-1].startswith('/')})
    return ctypes.CDLL(paths[0]) if paths else None


def set_threads(threads, lib):
    """Torch's intra-op threads and OpenBLAS's own: a pthreads OpenBLAS keeps a pool of its own
    (one thread per core by default) that torch.set_num_threads does not touch, so "1 thread"
    would run its matmuls on every core and 2 threads would oversubscribe them."""
    torch.set_num_threads(threads)
    if lib is not None:
        lib.openblas_set_num_threads(threads)
    return lib.openblas_get_num_threads() if lib is not None else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=15)
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--families', default='fcn,cnn,lstm,charlm', help='fcn (MNIST FCN), cnn (MNIST and CIFAR-10 CNNs), lstm (Copy), charlm (PTB characters)')
    args = ap.parse_args()
    families = args.families.split(',')
    torch.manual_seed(0)
    x = torch.randn(256, 784)
    y = torch.randint(0, 10, (256,))
    blas = blas_library()
    lib = openblas()
    for threads in [int(t) for t in args.threads.split(',')]:
        blas_threads = set_threads(threads, lib)
        if threads > 1 and blas == 'OpenBLAS (pthreads)':
            # Torch's OpenMP pool and OpenBLAS's pthreads (which spin after each call) then fight for
            # the cores: measured here, 2 threads ran 1.1-3.4x slower than 1. Not a yardstick.
            print(json.dumps({'threads': threads, 'skipped': 'a pthreads OpenBLAS beside torch\'s OpenMP threads oversubscribes the cores; '
                              'run with the OpenMP build (libopenblas0-openmp; bench.ts puts it first on LD_LIBRARY_PATH)'}), flush=True)
            continue
        common = {'backend': f'pytorch {torch.__version__}', 'path': 'pytorch', 'threads': threads, 'blas': blas, 'blasThreads': blas_threads}
        for cfg in [c for c in pytorch_lstm.configs() if c['family'] in families]:
            ms = pytorch_lstm.time_config(cfg, args.steps)
            print(json.dumps({'family': cfg['family'], 'variant': cfg['method'], 'config': cfg['config'], **common, 'msPerStep': round(ms, 1)}), flush=True)
        for cfg in pytorch_cnn.configs() if 'cnn' in families else []:
            ms = pytorch_cnn.time_config(cfg, args.steps)
            print(json.dumps({'family': 'cnn', 'variant': cfg['method'], 'config': cfg['config'], 'batch': cfg['batch'], **common,
                              'msPerStep': round(ms, 1)}), flush=True)
        for variant in ['bprop', 'dni', 'cdni'] if 'fcn' in families else []:
            for depth in [3, 6]:
                blocks, synths, opt = make(variant, depth)
                run = (lambda: step_bprop(blocks, opt, x, y)) if variant == 'bprop' else (lambda: step_dni(blocks, synths, opt, x, y, variant == 'cdni'))
                ms = median_ms(run, args.steps, 3)
                print(json.dumps({'family': 'fcn', 'variant': variant, 'config': f'{variant}-{depth}', 'depth': depth, **common,
                                  'msPerStep': round(ms, 1)}), flush=True)


if __name__ == '__main__':
    main()
