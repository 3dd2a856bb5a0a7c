"""PyTorch references for the CNN rows of bench (bench/bench.ts), written as a PyTorch user would:
nn.Conv2d, nn.BatchNorm2d, autograd, torch.optim.Adam; NCHW, PyTorch's own layout.

  mnistCnn-3 <method> b<batch>: 28x28x1 -> Conv(5x5, 64)-BN-ReLU-maxpool -> Conv(5x5, 64)-BN-ReLU-avgpool
                                 -> Linear(7*7*64, 10)
  cifarCnn-3 <method> b<batch>: 32x32x3, as above with 128 filters, Linear(8*8*128, 10)
Pools are 3x3, stride 2, padded by 1 (the paper's D.1 network). Batch 64 and 256.

Methods:
  bprop: plain backprop.
  dni:   both conv layers' outputs decoupled, each with a synthesizer of two 5x5 Conv-BN-ReLU layers
         as wide as the layer, then a zero-initialised 5x5 Conv back to the layer's channels,
         regressing onto the gradient that the next block sends back (bootstrapped), as
         pytorch.py's FCN dni.
Random images and labels: the time does not depend on them.
"""
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def block(c_in, c_out, pool):
    pooling = nn.MaxPool2d(3, 2, 1) if pool == 'max' else nn.AvgPool2d(3, 2, 1, count_include_pad=False)
    return nn.Sequential(nn.Conv2d(c_in, c_out, 5, padding=2), nn.BatchNorm2d(c_out), nn.ReLU(), pooling)


def synthesizer(channels):
    last = nn.Conv2d(channels, channels, 5, padding=2)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(
        nn.Conv2d(channels, channels, 5, padding=2), nn.BatchNorm2d(channels), nn.ReLU(),
        nn.Conv2d(channels, channels, 5, padding=2), nn.BatchNorm2d(channels), nn.ReLU(),
        last,
    )


def configs():
    out = []
    for family, shape, filters in [('mnistCnn', (1, 28, 28), 64), ('cifarCnn', (3, 32, 32), 128)]:
        for method in ['bprop', 'dni']:
            for batch in [64, 256]:
                out.append({'family': 'cnn', 'net': family, 'shape': shape, 'filters': filters, 'method': method, 'batch': batch,
                            'config': f'{family}-3 {method} b{batch}'})
    return out


def make(cfg):
    c, h, _ = cfg['shape']
    f = cfg['filters']
    side = (h + 1) // 2
    side = (side + 1) // 2
    blocks = nn.ModuleList([block(c, f, 'max'), block(f, f, 'avg'), nn.Sequential(nn.Flatten(), nn.Linear(side * side * f, 10))])
    synths = nn.ModuleList(synthesizer(f) for _ in range(2)) if cfg['method'] == 'dni' else nn.ModuleList()
    opt = torch.optim.Adam(list(blocks.parameters()) + list(synths.parameters()), lr=1e-4)
    return blocks, synths, opt


def step_bprop(blocks, opt, x, y):
    opt.zero_grad(set_to_none=True)
    h = x
    for b in blocks:
        h = b(h)
    F.cross_entropy(h, y).backward()
    opt.step()


def step_dni(blocks, synths, opt, x, y):
    opt.zero_grad(set_to_none=True)
    h, prev_g, sg_loss = x, None, 0.0
    n = len(blocks)
    for i, b in enumerate(blocks):
        hin = h.detach().requires_grad_(i > 0)
        hout = b(hin)
        if i < n - 1:
            g = synths[i](hout.detach())
            hout.backward(g.detach())  # the block learns from its synthetic gradient at once
        else:
            g = None
            F.cross_entropy(hout, y).backward()
        if i > 0:
            sg_loss = sg_loss + ((prev_g - hin.grad.detach()) ** 2).sum() / x.shape[0]
        prev_g, h = g, hout
    sg_loss.backward()
    opt.step()


def time_config(cfg, steps):
    """Median ms per step over max(3, steps // 3) steps after 2 warm-up steps (bench.ts's CNN rule)."""
    torch.manual_seed(0)
    x = torch.randn(cfg['batch'], *cfg['shape'])
    y = torch.randint(0, 10, (cfg['batch'],))
    blocks, synths, opt = make(cfg)
    run = (lambda: step_bprop(blocks, opt, x, y)) if cfg['method'] == 'bprop' else (lambda: step_dni(blocks, synths, opt, x, y))
    times = []
    for i in range(max(3, steps // 3) + 2):
        t0 = time.perf_counter()
        run()
        if i >= 2:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)
