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
         regressing onto the gradient that the next block sends back (bootstrapped): the FCN's
         DNI step (pytorch_steps.py).
Random images and labels: the time does not depend on them.
"""
import torch
import torch.nn as nn

from pytorch_steps import median_ms, step_bprop, step_dni


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


def time_config(cfg, steps):
    """Median ms per step over max(3, steps // 3) steps after 2 warm-up steps (bench.ts's CNN rule)."""
    torch.manual_seed(0)
    x = torch.randn(cfg['batch'], *cfg['shape'])
    y = torch.randint(0, 10, (cfg['batch'],))
    blocks, synths, opt = make(cfg)
    run = (lambda: step_bprop(blocks, opt, x, y)) if cfg['method'] == 'bprop' else (lambda: step_dni(blocks, synths, opt, x, y))
    return median_ms(run, max(3, steps // 3), 2)
