"""PyTorch references for the recurrent rows of bench (bench/lstm.ts, bench/charlm.ts), written as a
PyTorch user would: nn.LSTMCell, autograd, torch.optim.Adam, one training chunk of T steps of a
continuing stream per timed step (the state carried, detached, from the chunk before).

  lstm-copy <method> T<T>: Copy, 9 inputs, 8 sigmoid outputs, 256 units, batch 256, T = 5 and 8.
  lstm-ptb cpu <method> T8: a character LM, 50 one-hot symbols, 256 units, batch 64, T = 8.

Methods (paper D.2):
  bptt:   truncated BPTT, nothing crosses a chunk boundary.
  dni:    a synthesizer (h -> Linear(H, H) -> ReLU -> Linear(H, 2H), zero-initialised output) at
          every chunk's end; its output times 0.1 is the gradient for (h, c) backpropagated through
          the chunk; the previous chunk's synthesizer regresses onto the gradient reaching this
          chunk's first state (the bootstrapped target).
  dniAux: dni plus a second head predicting the synthetic gradient of the next boundary.
Random inputs and targets of the right shapes: the time does not depend on them.
"""
import itertools

import torch
import torch.nn as nn
import torch.nn.functional as F

from pytorch_steps import median_ms


class Recurrent(nn.Module):
    def __init__(self, inputs, hidden, outputs, method):
        super().__init__()
        self.cell = nn.LSTMCell(inputs, hidden)
        self.out = nn.Linear(hidden, outputs)
        self.method = method
        if method != 'bptt':
            self.trunk = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU())
            self.head = nn.Linear(hidden, 2 * hidden)
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)
            self.aux = nn.Linear(hidden, 2 * hidden) if method == 'dniAux' else None
            if self.aux is not None:
                nn.init.zeros_(self.aux.weight)
                nn.init.zeros_(self.aux.bias)


class Chunks:
    """One optimizer step per chunk of a continuing stream."""

    def __init__(self, model, lr, loss):
        self.m, self.loss = model, loss
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.state = None
        self.pending = None  # the previous boundary's h, whose synthetic gradient awaits its target

    def step(self, x, y):
        m = self.m
        B, H = x.shape[1], m.cell.hidden_size
        self.opt.zero_grad(set_to_none=True)
        h, c = self.state if self.state is not None else (torch.zeros(B, H), torch.zeros(B, H))
        dni = m.method != 'bptt'
        h0, c0 = h.detach().requires_grad_(dni), c.detach().requires_grad_(dni)
        h, c = h0, c0
        total = 0.0
        for t in range(x.shape[0]):
            h, c = m.cell(x[t], (h, c))
            total = total + self.loss(m.out(h), y[t])
        if dni:
            z = m.trunk(h.detach())
            g = m.head(z)
            gh, gc = (0.1 * g.detach()).chunk(2, 1)
            total = total + (h * gh).sum() + (c * gc).sum()
        total.backward()
        if dni:
            if self.pending is not None:
                # Re-run the synthesizer on the previous boundary's h: Adam has since updated its
                # weights in place, so the old graph cannot be backpropagated.
                zp = m.trunk(self.pending)
                target = torch.cat([h0.grad, c0.grad], 1)
                sg_loss = ((m.head(zp) - target) ** 2).sum()
                if m.aux is not None:
                    sg_loss = sg_loss + ((m.aux(zp) - g.detach()) ** 2).sum()
                sg_loss.backward()
            self.pending = h.detach()
        self.opt.step()
        self.state = (h.detach(), c.detach())


def copy_loss(logits, y):
    return F.binary_cross_entropy_with_logits(logits, y, reduction='sum') / logits.shape[0]


def char_loss(logits, y):
    return F.cross_entropy(logits, y)


def configs():
    out = []
    for T in (5, 8):
        for method in ('bptt', 'dni', 'dniAux'):
            out.append({'family': 'lstm', 'config': f'lstm-copy {method} T{T}', 'method': method, 'T': T, 'inputs': 9, 'outputs': 8,
                        'hidden': 256, 'batch': 256, 'lr': 7e-5, 'task': 'copy'})
    for method in ('bptt', 'dni'):
        out.append({'family': 'charlm', 'config': f'lstm-ptb cpu {method} T8', 'method': method, 'T': 8, 'inputs': 50, 'outputs': 50,
                    'hidden': 256, 'batch': 64, 'lr': 4e-3, 'task': 'char'})
    return out


def time_config(cfg, steps, warmup=5):
    """Median ms per chunk of `steps` chunks after `warmup`."""
    torch.manual_seed(0)
    m = Recurrent(cfg['inputs'], cfg['hidden'], cfg['outputs'], cfg['method'])
    T, B = cfg['T'], cfg['batch']
    if cfg['task'] == 'copy':
        xs = [torch.randint(0, 2, (T, B, cfg['inputs'])).float() for _ in range(4)]
        ys = [torch.randint(0, 2, (T, B, cfg['outputs'])).float() for _ in range(4)]
        run = Chunks(m, cfg['lr'], copy_loss)
    else:
        ids = [torch.randint(0, cfg['inputs'], (T, B)) for _ in range(4)]
        xs = [F.one_hot(i, cfg['inputs']).float() for i in ids]
        ys = [torch.randint(0, cfg['outputs'], (T, B)) for _ in range(4)]
        run = Chunks(m, cfg['lr'], char_loss)
    chunk = itertools.count()

    def one():
        i = next(chunk)
        run.step(xs[i % 4], ys[i % 4])

    return median_ms(one, steps, warmup)
