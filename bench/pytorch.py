#!/usr/bin/python3
"""Optional PyTorch reference for bench: ms per training step of the same six MNIST FCN configs.

    /usr/bin/python3 bench/pytorch.py [--steps N] [--threads 1,2]

Needs Debian's python3-torch with OpenBLAS (without libopenblas0-openmp it links the slow
reference BLAS):  apt-get install -y python3-torch libopenblas0-openmp
Prints one JSON line per config and thread count. Random inputs of MNIST's shape: the
timing does not depend on the pixels. The tests never run this.

Configs (as bench/bench.ts): 784-256-...-10 FCN, `depth` linear layers, hidden layers
Linear→BN→ReLU, batch 256, Adam.
  bprop: plain backprop.
  dni:   every connection decoupled; per-connection synthesizers Linear→BN→ReLU ×2 (1024
         wide) → Linear (zero-initialised), regressing onto bootstrapped targets: the
         gradient that the next block's synthetic gradient (or, for the last, the loss) sends back.
  cdni:  as dni with linear synthesizers conditioned on the one-hot label.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


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


def step_bprop(blocks, opt, x, y):
    opt.zero_grad(set_to_none=True)
    h = x
    for b in blocks:
        h = b(h)
    F.cross_entropy(h, y).backward()
    opt.step()


def step_dni(blocks, synths, opt, x, y, conditioned):
    opt.zero_grad(set_to_none=True)
    onehot = F.one_hot(y, 10).float() if conditioned else None
    h, prev_g, sg_loss = x, None, 0.0
    n = len(blocks)
    for i, b in enumerate(blocks):
        hin = h.detach().requires_grad_(i > 0)
        hout = b(hin)
        if i < n - 1:
            z = hout.detach()
            g = synths[i](torch.cat([z, onehot], 1) if conditioned else z)
            hout.backward(g.detach())  # the block learns from its synthetic gradient at once
        else:
            g = None
            F.cross_entropy(hout, y).backward()
        if i > 0:
            # Bootstrapped target for the previous synthesizer: what this block sent back.
            sg_loss = sg_loss + ((prev_g - hin.grad.detach()) ** 2).sum() / x.shape[0]
        prev_g, h = g, hout
    sg_loss.backward()
    opt.step()


def blas_library():
    """The BLAS this process mapped (Debian's torch calls whatever libblas.so.3 points to)."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    with open('/proc/self/maps') as f:
        maps = f.read()
    for needle, name in [('openblas-openmp', 'OpenBLAS (OpenMP)'), ('openblas-pthread', 'OpenBLAS (pthreads)'), ('openblas', 'OpenBLAS'), ('mkl', 'MKL'), ('blas', 'reference BLAS (slow)')]:
        if needle in maps:
            return name
    return 'unknown'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=15)
    ap.add_argument('--threads', default='1,2')
    args = ap.parse_args()
    torch.manual_seed(0)
    x = torch.randn(256, 784)
    y = torch.randint(0, 10, (256,))
    blas = blas_library()
    for threads in [int(t) for t in args.threads.split(',')]:
        torch.set_num_threads(threads)
        for variant in ['bprop', 'dni', 'cdni']:
            for depth in [3, 6]:
                blocks, synths, opt = make(variant, depth)
                run = (lambda: step_bprop(blocks, opt, x, y)) if variant == 'bprop' else (lambda: step_dni(blocks, synths, opt, x, y, variant == 'cdni'))
                times = []
                for i in range(args.steps + 3):
                    t0 = time.perf_counter()
                    run()
                    if i >= 3:  # warm-up steps
                        times.append((time.perf_counter() - t0) * 1e3)
                print(json.dumps({'variant': variant, 'depth': depth, 'backend': f'pytorch {torch.__version__}', 'threads': threads,
                                  'blas': blas,
                                  'msPerStep': round(statistics.median(times), 1)}), flush=True)


if __name__ == '__main__':
    main()
