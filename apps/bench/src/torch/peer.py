"""PyTorch as a peer of apps/bench's layer workloads: one train step timed, median over steps.

    /usr/bin/python3 peer.py WORKLOAD --sizes '{"batch": 32, ...}' [--warmup 3] [--min-steps 5]
        [--max-steps 50] [--budget-ms 3000] [--batches 8] [--threads 2]

Prints one JSON line: {"workload", "medianMs", "steps", "warmup", "threads", "torch"}. After the
warm-up, steps are timed one by one until budget-ms is spent (at least min-steps, at most
max-steps), as apps/bench's harness times its runs. With --serve (how apps/bench runs it, taking
turns with nabla's backends) it prints {"ready", ...} after the warm-up, then reads a number N per
line and answers {"ms"}: the time of N more steps.
The models and data are those of apps/bench/src/layer-workloads.ts (the same random data, made
by the same integer hash, see layer_data below); float32, Adam (lr 1e-3), 2 threads by default as
the issue measures. Images are NCHW here, PyTorch's native layout (nabla and TF.js are NHWC).
Each step is zero_grad, forward, loss, backward, optimizer step and loss.item() (TF.js's
trainOnBatch and nabla's fit read the loss too), cycling over `batches` distinct batches.
"""

import argparse
import json
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn


def uniform(seed, n):
    """n floats in [-1, 1): lowbias32 of (i + seed * golden) / 2^32, as layer-data.ts computes them."""
    x = np.arange(n, dtype=np.uint32) + np.uint32((seed * 0x9E3779B9) & 0xFFFFFFFF)
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return (x.astype(np.float64) / 2.0**32 * 2.0 - 1.0).astype(np.float32)


def layer_data(seed, shape):
    return torch.from_numpy(uniform(seed, int(np.prod(shape))).reshape(shape))


def labels(seed, n, classes):
    """Integer classes from the same hash: floor((u + 1) / 2 * classes)."""
    u = uniform(seed, n).astype(np.float64)
    return torch.from_numpy(np.minimum(np.floor((u + 1.0) / 2.0 * classes), classes - 1).astype(np.int64))


class Recurrent(nn.Module):
    """LSTM or GRU over [batch, length, features], its last output into Dense(1)."""

    def __init__(self, cell, features, units):
        super().__init__()
        self.rnn = cell(features, units, batch_first=True)
        self.out = nn.Linear(units, 1)

    def forward(self, x):
        seq, _ = self.rnn(x)
        return self.out(seq[:, -1])


class Encoder(nn.Module):
    """One post-norm encoder block (no dropout), mean over time, Dense(1)."""

    def __init__(self, width, heads, ff):
        super().__init__()
        self.block = nn.TransformerEncoderLayer(
            width, heads, dim_feedforward=ff, dropout=0.0, activation="relu", batch_first=True, norm_first=False
        )
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        return self.out(self.block(x).mean(dim=1))


def workload(name, s, batches):
    """The model, the loss and `batches` (x, y) pairs; seeds 1 + 2k for x and 2 + 2k for y."""
    b = s["batch"]
    if name == "conv-step":
        h, w, c = s["height"], s["width"], s["channels"]
        model = nn.Sequential(
            nn.Conv2d(c, s["filters"], s["kernel"]),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(s["filters"] * (h - s["kernel"] + 1) * (w - s["kernel"] + 1), s["classes"]),
        )
        # Made NHWC as in the other peers, then laid out NCHW.
        data = [
            (layer_data(1 + 2 * k, (b, h, w, c)).permute(0, 3, 1, 2).contiguous(), labels(2 + 2 * k, b, s["classes"]))
            for k in range(batches)
        ]
        return model, nn.CrossEntropyLoss(), data
    if name in ("lstm-step", "gru-step"):
        cell = nn.LSTM if name == "lstm-step" else nn.GRU
        model = Recurrent(cell, s["features"], s["units"])
        shape = (b, s["length"], s["features"])
    elif name == "transformer-step":
        model = Encoder(s["width"], s["heads"], s["ff"])
        shape = (b, s["length"], s["width"])
    else:
        raise SystemExit(f"peer.py: unknown workload {name!r}")
    data = [(layer_data(1 + 2 * k, shape), layer_data(2 + 2 * k, (b, 1))) for k in range(batches)]
    return model, nn.MSELoss(), data


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("workload")
    p.add_argument("--sizes", required=True, help="JSON object of the workload's sizes")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--min-steps", type=int, default=5)
    p.add_argument("--max-steps", type=int, default=50)
    p.add_argument("--budget-ms", type=float, default=3000.0)
    p.add_argument("--batches", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--serve", action="store_true", help="after the warm-up, run N steps per line N read from stdin")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model, loss_fn, data = workload(a.workload, json.loads(a.sizes), a.batches)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    done = 0

    def step():
        nonlocal done
        x, y = data[done % len(data)]
        done += 1
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    about = {"workload": a.workload, "warmup": a.warmup, "threads": torch.get_num_threads(), "torch": torch.__version__}
    if a.serve:
        # One line per request, so that the caller can take turns with other implementations.
        emit({"ready": True, **about})
        for line in sys.stdin:
            t0 = time.perf_counter()
            for _ in range(int(line)):
                step()
            emit({"ms": (time.perf_counter() - t0) * 1000.0})
        return
    times = []
    start = time.perf_counter()
    while len(times) < a.min_steps or (len(times) < a.max_steps and (time.perf_counter() - start) * 1000.0 < a.budget_ms):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000.0)
    emit({"medianMs": statistics.median(times), "steps": len(times), **about})


if __name__ == "__main__":
    main()
