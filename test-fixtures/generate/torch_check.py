#!/usr/bin/python3
"""A second opinion on layers.json: recomputes every TF.js layer case with PyTorch in float64
(Keras 3 semantics written out in torch_keras.py and below) and compares the outputs, the
updated moving statistics and the gradients with the file. Writes nothing; exits 1 on a
disagreement. The finite-difference check in the generator only tests TF.js's gradients
against TF.js's own forward pass; this also tests the forward pass.

    /usr/bin/python3 test-fixtures/generate/torch_check.py
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch_keras as K  # noqa: E402

torch.set_num_threads(1)
DT = torch.float64

# TF.js computes in float32; these are the suite's float32 tolerances (packages/conformance
# src/tolerance.ts: accumulate for values, gradient for gradients, finiteDifference for the
# central-difference references), so a failure here would be a failure there.
TOL = {"value": (1e-4, 1e-5), "grad": (1e-4, 1e-5), "fd": (5e-2, 5e-2)}

ACT = {None: lambda v: v, "linear": lambda v: v, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}


def tup(v, rank, default):
    v = default if v is None else v
    return list(v) if isinstance(v, list) else [v] * rank


def dense_out(c, y, bias):
    if bias is not None:
        y = y + bias
    return ACT[c.get("activation")](y)


def conv_layer(cls, c, x, w):
    rank = x.dim() - 2
    strides, dil = tup(c.get("strides"), rank, 1), tup(c.get("dilationRate"), rank, 1)
    pad = c.get("padding", "valid")
    bias = w[-1] if c.get("useBias", True) else None
    if cls in ("Conv1D", "Conv2D", "Conv3D"):
        return dense_out(c, K.conv(x, w[0], None, strides, pad, dil, 1), bias)
    if cls in ("DepthwiseConv2D", "SeparableConv2D"):
        k = w[0]
        depth = k.reshape(k.shape[0], k.shape[1], 1, -1)  # output channel c * multiplier + m
        y = K.conv(x, depth, None, strides, pad, dil, x.shape[-1])
        if cls == "SeparableConv2D":
            y = K.conv(y, w[1], None, [1, 1], "valid", [1, 1], 1)
        return dense_out(c, y, bias)
    # Conv2DTranspose, Conv3DTranspose: the adjoint of a convolution; 'same' crops the full
    # result to in * stride.
    k = w[0]
    xs = x.permute(0, rank + 1, *range(1, rank + 1))
    f = F.conv_transpose2d if rank == 2 else F.conv_transpose3d
    full = f(xs, k.permute(rank + 1, rank, *range(rank)), stride=tuple(strides))
    if pad == "same":
        sl = []
        for i in range(rank):
            size = x.shape[1 + i] * strides[i]
            before = max(k.shape[i] - strides[i], 0) // 2
            sl.append(slice(before, before + size))
        full = full[(slice(None), slice(None), *sl)]
    return dense_out(c, full.permute(0, *range(2, rank + 2), 1), bias)


def pool(cls, c, x):
    rank = x.dim() - 2
    size = tup(c.get("poolSize"), rank, 2)
    strides = tup(c.get("strides"), rank, None)
    strides = [s if s is not None else p for s, p in zip(strides, size)]
    xs = x.permute(0, rank + 1, *range(1, rank + 1))
    pads = []
    for i in reversed(range(rank)):
        pads += list(K._same_padding(xs.shape[2 + i], size[i], strides[i], 1)) if c.get("padding") == "same" else [0, 0]
    if cls.startswith("Max"):
        f = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[rank - 1]
        y = f(F.pad(xs, pads, value=-float("inf")), size, strides)
    else:
        # Keras divides each window by its count of real (unpadded) values.
        f = (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)[rank - 1]
        y = f(F.pad(xs, pads), size, strides) / f(F.pad(torch.ones_like(xs), pads), size, strides)
    return y.permute(0, *range(2, rank + 2), 1)


def dot(c, a, b):
    """Keras Dot: batch_dot over axes (one for both, or one per input), after an L2
    normalization along them with `normalize`."""
    axes = c["axes"] if isinstance(c["axes"], list) else [c["axes"], c["axes"]]
    if c.get("normalize", False):
        a = a / torch.sqrt(torch.clamp((a * a).sum(dim=axes[0], keepdim=True), min=1e-12))
        b = b / torch.sqrt(torch.clamp((b * b).sum(dim=axes[1], keepdim=True), min=1e-12))
    if a.dim() == 2:
        return (a * b).sum(dim=1, keepdim=True)
    return torch.einsum("bin,bnj->bij", a.movedim(axes[0], -1), b.movedim(axes[1], 1))


def pairs(p, default):
    """ZeroPadding2D / Cropping2D amounts: n, [a, b] or [[top, bottom], [left, right]]."""
    p = default if p is None else p
    if isinstance(p, int):
        return [[p, p], [p, p]]
    return [v if isinstance(v, list) else [v, v] for v in p]


def batch_norm(c, x, w, training):
    axis = c.get("axis", -1) % x.dim()
    shape = [1] * x.dim()
    shape[axis] = x.shape[axis]
    names = (["gamma"] if c.get("scale", True) else []) + (["beta"] if c.get("center", True) else []) + ["moving_mean", "moving_variance"]
    p = dict(zip(names, w))
    axes = [a for a in range(x.dim()) if a != axis]
    eps = c.get("epsilon", 1e-3)
    if training:
        mean, var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
        m = c.get("momentum", 0.99)
        updates = [None] * (len(names) - 2) + [p["moving_mean"] * m + mean * (1 - m), p["moving_variance"] * m + var * (1 - m)]
    else:
        mean, var, updates = p["moving_mean"], p["moving_variance"], None
    y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
    if "gamma" in p:
        y = y * p["gamma"].reshape(shape)
    if "beta" in p:
        y = y + p["beta"].reshape(shape)
    return y, updates


def layer_norm(c, x, w):
    axes = [a % x.dim() for a in (c.get("axis", -1) if isinstance(c.get("axis", -1), list) else [c.get("axis", -1)])]
    shape = [x.shape[a] if a in axes else 1 for a in range(x.dim())]
    mean = x.mean(dim=axes, keepdim=True)
    var = x.var(dim=axes, unbiased=False, keepdim=True)
    y = (x - mean) / torch.sqrt(var + c.get("epsilon", 1e-3))
    k = 0
    if c.get("scale", True):
        y = y * w[k].reshape(shape)
        k += 1
    if c.get("center", True):
        y = y + w[k].reshape(shape)
    return y


def cell(cls, c, w):
    """One step of SimpleRNN, LSTM or GRU (resetAfter false), Keras's equations."""
    act = ACT[c.get("activation", "tanh")]
    rec = ACT[c.get("recurrentActivation", "sigmoid")]
    kernel, recurrent = w[0], w[1]
    bias = w[2] if c.get("useBias", True) else None
    u = c["units"]

    def step(xt, states):
        h = states[0]
        xz = xt @ kernel + (bias if bias is not None else 0)
        if cls == "SimpleRNN":
            h = act(xz + h @ recurrent)
            return h, [h]
        if cls == "LSTM":
            z = xz + h @ recurrent
            i, f, g, o = rec(z[:, :u]), rec(z[:, u : 2 * u]), act(z[:, 2 * u : 3 * u]), rec(z[:, 3 * u :])
            cs = f * states[1] + i * g
            h = o * act(cs)
            return h, [h, cs]
        zg = rec(xz[:, :u] + h @ recurrent[:, :u])
        r = rec(xz[:, u : 2 * u] + h @ recurrent[:, u : 2 * u])
        hh = act(xz[:, 2 * u :] + (r * h) @ recurrent[:, 2 * u :])
        h = zg * h + (1 - zg) * hh
        return h, [h]

    return step


def recurrent(cls, c, x, w, mask, initial):
    n_states = 2 if cls == "LSTM" else 1
    states = initial or [torch.zeros(x.shape[0], c["units"], dtype=DT) for _ in range(n_states)]
    out, states = K.keras_rnn(cell(cls, c, w), x, states, mask, c.get("goBackwards", False), c.get("returnSequences", False))
    return [out, *states] if c.get("returnState", False) else [out]


def bidirectional(c, x, w, mask):
    inner = c["layer"]
    half = len(w) // 2
    fwd = recurrent(inner["className"], {**inner["config"], "goBackwards": False}, x, w[:half], mask, None)
    bwd = recurrent(inner["className"], {**inner["config"], "goBackwards": True}, x, w[half:], mask, None)
    y, y_rev = fwd[0], bwd[0]
    if inner["config"].get("returnSequences", False):
        y_rev = torch.flip(y_rev, [1])
    merged = {"concat": lambda: torch.cat([y, y_rev], -1), "sum": lambda: y + y_rev, "ave": lambda: (y + y_rev) / 2, "mul": lambda: y * y_rev}[
        c.get("mergeMode", "concat")
    ]()
    return [merged, *fwd[1:], *bwd[1:]]


def apply(case, inputs, weights):
    """The case's layers in sequence; returns (outputs, updated weights per layer or None)."""
    own = [t for t, i in zip(inputs, case["inputs"]) if "arg" not in i]
    mask = next((t for t, i in zip(inputs, case["inputs"]) if i.get("arg") == "mask"), None)
    initial = [t for t, i in zip(inputs, case["inputs"]) if i.get("arg") == "initialState"]
    x = own if len(own) > 1 else own[0]
    updates = []
    outs = None
    for layer, w in zip(case["layers"], weights):
        cls, c = layer["className"], layer["config"]
        up = None
        if cls in ("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Conv3DTranspose"):
            outs = [conv_layer(cls, c, x, w)]
        elif "Pooling" in cls and not cls.startswith("Global"):
            outs = [pool(cls, c, x)]
        elif cls.startswith("Global"):
            dims = list(range(1, x.dim() - 1))
            outs = [x.mean(dim=dims) if "Average" in cls else x.amax(dim=dims)]
        elif cls == "UpSampling2D":
            s = tup(c.get("size"), 2, 2)
            outs = [x.repeat_interleave(s[0], 1).repeat_interleave(s[1], 2)]
        elif cls == "ZeroPadding2D":
            (t, b), (lft, r) = pairs(c.get("padding"), 1)
            outs = [F.pad(x, [0, 0, lft, r, t, b])]
        elif cls == "Cropping2D":
            (t, b), (lft, r) = pairs(c.get("cropping"), 0)
            outs = [x[:, t : x.shape[1] - b, lft : x.shape[2] - r]]
        elif cls == "BatchNormalization":
            y, up = batch_norm(c, x, w, case["training"])
            outs = [y]
        elif cls == "LayerNormalization":
            outs = [layer_norm(c, x, w)]
        elif cls == "Embedding":
            if c.get("maskZero"):
                mask = x != 0
            outs = [F.embedding(x, w[0])]
        elif cls in ("SimpleRNN", "LSTM", "GRU"):
            outs = recurrent(cls, c, x, w, mask, initial or None)
            if not c.get("returnSequences", False):
                mask = None
        elif cls == "Bidirectional":
            outs = bidirectional(c, x, w, mask)
        elif cls in ("Add", "Multiply", "Average"):
            y = x[0]
            for t in x[1:]:
                y = y * t if cls == "Multiply" else y + t
            outs = [y / len(x) if cls == "Average" else y]
        elif cls == "Concatenate":
            outs = [torch.cat(x, dim=c.get("axis", -1))]
        elif cls in ("Maximum", "Minimum"):
            y = x[0]
            for t in x[1:]:
                y = torch.maximum(y, t) if cls == "Maximum" else torch.minimum(y, t)
            outs = [y]
        elif cls == "Dot":
            outs = [dot(c, x[0], x[1])]
        elif cls == "RepeatVector":
            outs = [x[:, None, :].expand(x.shape[0], c["n"], x.shape[1])]
        elif cls == "Permute":
            outs = [x.permute(0, *c["dims"])]
        else:
            raise NotImplementedError(cls)
        updates.append(up)
        x = outs[0]
    return outs, updates


def tensor(rec, dtype=None):
    dtype = dtype or rec.get("dtype", "float32")
    a = np.array([float(v) for v in rec["data"]]).reshape(rec["shape"])
    if dtype == "int32":
        return torch.tensor(a.astype(np.int64))
    if dtype == "bool":
        return torch.tensor(a.astype(bool))
    return torch.tensor(a, dtype=DT)


def worst(actual, expected, tol):
    """(max error, pass) under |a - e| <= atol + rtol |e|."""
    rtol, atol = tol
    a = actual.detach().reshape(-1).numpy()
    e = expected.reshape(-1).numpy()
    err = np.abs(a - e)
    return float(err.max()) if err.size else 0.0, bool(np.all(err <= atol + rtol * np.abs(e)))


def check(case):
    inputs = [tensor(i) for i in case["inputs"]]
    for t, i in zip(inputs, case["inputs"]):
        if i.get("dtype", "float32") == "float32":
            t.requires_grad_(True)
    weights = [[tensor(w, "float32").requires_grad_(w.get("trainable", True)) for w in layer["weights"]] for layer in case["layers"]]
    outs, updates = apply(case, inputs, weights)
    problems = []
    errs = {"value": 0.0, "grad": 0.0}

    def compare(kind, actual, expected, what, tol):
        e, ok = worst(actual, expected, tol)
        errs[kind] = max(errs[kind], e)
        if not ok:
            problems.append(f"{what}: max error {e:.3g}")

    if len(outs) != len(case["outputs"]):
        return [f"{len(outs)} outputs, the file has {len(case['outputs'])}"], errs
    for k, (o, rec) in enumerate(zip(outs, case["outputs"])):
        if list(o.shape) != rec["shape"]:
            return [f"output {k} has shape {list(o.shape)}, the file {rec['shape']}"], errs
        compare("value", o, tensor(rec), f"output {k}", TOL["value"])
    for i, up in enumerate(updates):
        for k, u in enumerate(up or []):
            if u is not None:
                compare("value", u, tensor(case["updatedWeights"][i][k], "float32"), f"layer {i} updated weight {k}", TOL["value"])
    loss = sum((o * tensor(c, "float32")).sum() for o, c in zip(outs, case["cotangents"]))
    loss.backward()
    gtol = TOL["fd"] if case.get("gradSource") == "finiteDifferences" else TOL["grad"]
    for k, (t, g) in enumerate(zip(inputs, case["grads"]["inputs"])):
        if g is not None:
            compare("grad", t.grad, tensor(g, "float32"), f"gradient of input {k}", gtol)
    for i, (ws, gs) in enumerate(zip(weights, case["grads"]["weights"])):
        for k, (w, g) in enumerate(zip(ws, gs)):
            if g is not None:
                compare("grad", w.grad, tensor(g, "float32"), f"gradient of layer {i} weight {k}", gtol)
    return problems, errs


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers.json")
    cases = json.load(open(path))["cases"]
    failed = 0
    most = {"value": 0.0, "grad": 0.0, "fdGrad": 0.0}
    for case in cases:
        problems, errs = check(case)
        most["value"] = max(most["value"], errs["value"])
        most["fdGrad" if case.get("gradSource") else "grad"] = max(most["fdGrad" if case.get("gradSource") else "grad"], errs["grad"])
        if problems:
            failed += 1
            print(f"DISAGREES {case['id']}: {'; '.join(problems[:3])}")
    print(
        f"layers.json: {len(cases) - failed} of {len(cases)} cases agree with PyTorch (float64); largest differences: "
        f"values {most['value']:.2g}, TF.js gradients {most['grad']:.2g}, central-difference gradients {most['fdGrad']:.2g}"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
