"""The training steps and the timing loop the PyTorch references share (pytorch.py's FCNs,
pytorch_cnn.py's CNNs): a plain backprop step, a DNI step over decoupled blocks, and the median
ms per step after warm-up."""
import statistics
import time

import torch
import torch.nn.functional as F


def step_bprop(blocks, opt, x, y):
    opt.zero_grad(set_to_none=True)
    h = x
    for b in blocks:
        h = b(h)
    F.cross_entropy(h, y).backward()
    opt.step()


def step_dni(blocks, synths, opt, x, y, conditioned=False):
    """Every connection decoupled: each block learns from its synthesizer's gradient at once; the
    synthesizer regresses onto the gradient the next block sends back (bootstrapped), conditioned
    on the one-hot label for cDNI."""
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


def median_ms(run, steps, warmup):
    """Median wall ms of `steps` calls of run() after `warmup` untimed ones."""
    times = []
    for i in range(steps + warmup):
        t0 = time.perf_counter()
        run()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)
