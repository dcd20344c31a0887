"""Runs one PyTorch layer case: the counterpart of layers-run.mjs for the cases TF.js cannot make.

A case is computed in float64 from float32 inputs and weights (every value drawn by the seeded
PRNG is a float32, exact in float64), so the recorded outputs and gradients are the exact
results rounded once to float32. PyTorch's autograd gives the gradients; central differences
in float64 check them, and a disagreement stops the generator (it would be a bug here, not a
defect to record).
"""

import numpy as np
import torch

from torch_common import Rng, encode_float32, encode_tensor, to_json

DT = torch.float64
FD_STEP = 1e-6
FD_TOL = 1e-6


def _fmt_value(v):
    return v if isinstance(v, str) else to_json(v)


def _fmt_config(config):
    out = []
    for k, v in config.items():
        if k == "layer":
            out.append(f"layer={v['className']}{{{','.join(_fmt_config(v.get('config', {})))}}}")
        else:
            out.append(f"{k}={_fmt_value(v)}")
    return out


def case_id(spec):
    """layers-run.mjs's layerCaseId, plus the call options."""
    first = spec["layers"][0]
    inputs = [
        (f"{i['arg']}=" if i.get("arg") else "") + f"[{','.join(str(d) for d in i['shape'])}]" + ("" if i["dtype"] == "float32" else i["dtype"])
        for i in spec["inputs"]
    ]
    parts = [f"{first['className']} {' '.join(inputs)}", " ".join(_fmt_config(first.get("config", {})))]
    for layer in spec["layers"][1:]:
        parts.append(" ".join(["> " + layer["className"], *_fmt_config(layer.get("config", {}))]))
    parts.append(" ".join(f"{k}={_fmt_value(v)}" for k, v in spec.get("call", {}).items()))
    parts.append("training" if spec.get("training") else "")
    parts.append(spec.get("tag", ""))
    return " ".join(p for p in parts if p != "")


def weight_values(rng, name, shape):
    """layers-run.mjs's rule: scales and variances in [0.5, 1.5), everything else in [-0.5, 0.5)."""
    base = name.split("/")[-1]
    if base in ("gamma", "moving_variance"):
        return rng.uniform_array(shape, 0.5, 1.5)
    return rng.uniform_array(shape, -0.5, 0.5)


def _tensor(a, dtype):
    if dtype == "float32":
        return torch.tensor(np.asarray(a, dtype=np.float64), dtype=DT)
    if dtype == "int32":
        return torch.tensor(np.asarray(a, dtype=np.int64))
    return torch.tensor(np.asarray(a, dtype=bool))


def _loss(outputs, cots):
    return sum((y * c).sum() for y, c in zip(outputs, cots))


def build_case(spec):
    """The case record for one spec (see torch_layers.py for the spec's keys)."""
    cid = case_id(spec)
    rng = Rng(cid)
    values = [inp["gen"](rng, inp["shape"]) for inp in spec["inputs"]]
    layer_weights = spec["weights"](spec)  # per layer: [(name, shape, trainable)]
    weight_arrays = [[weight_values(rng, name, shape) for name, shape, _ in ws] for ws in layer_weights]

    def run(input_tensors, weight_tensors):
        return spec["forward"](spec, input_tensors, weight_tensors)

    inputs = [_tensor(v, inp["dtype"]) for v, inp in zip(values, spec["inputs"])]
    weights = [[_tensor(w, "float32") for w in ws] for ws in weight_arrays]
    with torch.no_grad():
        outs = run(inputs, weights)
        if "check" in spec:
            # PyTorch's own module (nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.GRU)
            # on the same weights must give the same outputs as the Keras-semantics code.
            for k, (a, b) in enumerate(zip(outs, spec["check"](spec, inputs, weights))):
                err = (a - b).abs().max().item()
                if not err <= 1e-10 * max(1.0, b.abs().max().item()):
                    raise AssertionError(f"{cid}: output {k} differs from PyTorch's module by {err}")

    cots = [rng.uniform_array(list(o.shape), 0.5, 1.5) for o in outs]
    cot_t = [_tensor(c, "float32") for c in cots]

    # Autograd: every float input and trainable weight as a leaf.
    targets = [t.clone().requires_grad_(True) if inp["dtype"] == "float32" else t for t, inp in zip(inputs, spec["inputs"])]
    wts = [[w.clone().requires_grad_(tr) for w, (_, _, tr) in zip(ws, lw)] for ws, lw in zip(weights, layer_weights)]
    loss = _loss(run(targets, wts), cot_t)
    if loss.requires_grad:  # SinePositionEncoding's outputs depend on nothing differentiable
        loss.backward()
    # An input the outputs do not depend on (SinePositionEncoding's) has a zero gradient, not none.
    grads_in = [(torch.zeros_like(t) if t.grad is None else t.grad) if inp["dtype"] == "float32" else None for t, inp in zip(targets, spec["inputs"])]
    grads_w = [[w.grad if tr else None for w, (_, _, tr) in zip(ws, lw)] for ws, lw in zip(wts, layer_weights)]

    # Central differences in float64 over every element.
    def loss_at():
        with torch.no_grad():
            return _loss(run(inputs, weights), cot_t).item()

    def check(t, g, what):
        flat = t.view(-1)
        gflat = g.reshape(-1)
        for j in range(flat.numel()):
            x0 = flat[j].item()
            h = FD_STEP * max(1.0, abs(x0))
            flat[j] = x0 + h
            lp = loss_at()
            flat[j] = x0 - h
            lm = loss_at()
            flat[j] = x0
            fd = (lp - lm) / (2 * h)
            if not abs(fd - gflat[j].item()) <= FD_TOL * (1 + abs(fd)):
                raise AssertionError(f"{cid}: gradient of {what} element {j}: autograd {gflat[j].item()}, central differences {fd}")

    for k, (t, g) in enumerate(zip(inputs, grads_in)):
        if g is not None:
            check(t, g, f"input {k}")
    for i, (ws, gs) in enumerate(zip(weights, grads_w)):
        for k, (w, g) in enumerate(zip(ws, gs)):
            if g is not None:
                check(w, g, f"layer {i} weight {layer_weights[i][k][0]}")

    rec = {
        "id": cid,
        "layers": [
            {
                "className": layer["className"],
                "config": layer.get("config", {}),
                "weights": [
                    {"name": name, **({} if tr else {"trainable": False}), **encode_tensor(arr, "float32", with_dtype=False)}
                    for (name, _, tr), arr in zip(lw, arrs)
                ],
            }
            for layer, lw, arrs in zip(spec["layers"], layer_weights, weight_arrays)
        ],
        "training": spec.get("training", False),
    }
    if spec.get("call"):
        rec["call"] = spec["call"]
    rec["inputs"] = [{**({"arg": inp["arg"]} if inp.get("arg") else {}), **encode_tensor(v, inp["dtype"])} for v, inp in zip(values, spec["inputs"])]
    rec["outputs"] = [encode_tensor(o.numpy(), "float32") for o in outs]
    if "updates" in spec:
        # What a training-mode call assigns to state (BatchNormalization's moving statistics).
        with torch.no_grad():
            updates = spec["updates"](spec, inputs, weights)
        if any(u is not None for layer in updates for u in layer):
            rec["updatedWeights"] = [[None if u is None else encode_tensor(u.numpy(), "float32", with_dtype=False) for u in layer] for layer in updates]
    rec["cotangents"] = [encode_tensor(c, "float32", with_dtype=False) for c in cots]

    def grad_rec(g):
        return None if g is None else {"shape": list(g.shape), "data": [encode_float32(v) for v in g.reshape(-1).tolist()]}

    rec["grads"] = {"inputs": [grad_rec(g) for g in grads_in], "weights": [[grad_rec(g) for g in gs] for gs in grads_w]}
    return rec
