#!/usr/bin/python3
"""Writes layers-torch.json and the PyTorch training runs: the layer cases TF.js 4.22 cannot
make (MultiHeadAttention, the Transformer encoder block, GRU with resetAfter true, grouped and
causal convolutions), in layers.json's format. See README.md, "layers-torch.json".

    /usr/bin/python3 test-fixtures/generate/torch_layers.py     (Debian's python3-torch 1.13)

FIXTURES_OUT writes elsewhere, as for main.mjs. A spec: { layers: [{ className, config }],
inputs: [{ shape, dtype, gen, arg? }], call?, weights(spec) -> per layer [(name, shape,
trainable)], forward(spec, inputs, weights) -> outputs, check? (PyTorch's own module) }.
"""

import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # no __pycache__ beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch_keras as K  # noqa: E402
from torch_cases import build_case  # noqa: E402
from torch_common import stringify_top_level, stringify_with_list, write_atomic  # noqa: E402
from torch_training import GENERATOR, training_runs  # noqa: E402

torch.set_num_threads(1)  # one thread: the same summation order on every run

ROOT = os.environ.get("FIXTURES_OUT") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def x(shape):
    return {"shape": shape, "dtype": "float32", "gen": lambda rng, s: rng.uniform_array(s, -1, 1)}


def fixed_bool(rows, arg):
    """A fixed bool tensor (a mask), given as nested rows, for the call argument `arg`."""
    a = np.array(rows, dtype=bool)
    return {"shape": list(a.shape), "dtype": "bool", "arg": arg, "gen": lambda rng, s: a}


def ids(rows):
    return {"shape": [len(rows), len(rows[0])], "dtype": "int32", "gen": lambda rng, s: np.array(rows, dtype=np.int32)}


def state(shape):
    return {**x(shape), "arg": "initialState"}


def by_arg(spec, inputs, arg):
    return [t for t, i in zip(inputs, spec["inputs"]) if i.get("arg") == arg]


def own(spec, inputs):
    return [t for t, i in zip(inputs, spec["inputs"]) if not i.get("arg")]


def first(seq):
    return seq[0] if seq else None


# --- MultiHeadAttention -----------------------------------------------------------------------


def mha_weights(spec):
    c = spec["layers"][0]["config"]
    shapes = [i["shape"] for i in spec["inputs"] if not i.get("arg")]
    d, dv = shapes[0][-1], shapes[1][-1]
    dk = shapes[2][-1] if len(shapes) > 2 else dv
    h, k = c["numHeads"], c["keyDim"]
    kv = c.get("valueDim", k)
    bias = c.get("useBias", True)
    out = []
    for name, din, width in (("query", d, k), ("key", dk, k), ("value", dv, kv)):
        out.append((f"{name}/kernel", [din, h, width], True))
        if bias:
            out.append((f"{name}/bias", [h, width], True))
    out.append(("attention_output/kernel", [h, kv, d], True))
    if bias:
        out.append(("attention_output/bias", [d], True))
    return [out]


def mha_args(spec, inputs):
    q, v, *rest = own(spec, inputs)
    k = rest[0] if rest else v
    call = spec.get("call", {})
    mask = K.attention_mask(
        q.shape[0], q.shape[1], v.shape[1], first(by_arg(spec, inputs, "attentionMask")), call.get("useCausalMask", False),
        first(by_arg(spec, inputs, "valueMask")),
    )
    return q, v, k, mask


def mha_forward(spec, inputs, weights):
    q, v, k, mask = mha_args(spec, inputs)
    out, scores = K.mha(spec["layers"][0]["config"], q, v, k, weights[0], mask)
    return [out, scores] if spec.get("call", {}).get("returnAttentionScores") else [out]


def mha_check(spec, inputs, weights):
    q, v, k, mask = mha_args(spec, inputs)
    out, scores = K.mha_module(spec["layers"][0]["config"], q, v, k, weights[0], mask)
    return [out, scores] if spec.get("call", {}).get("returnAttentionScores") else [out]


def mha_case(config, inputs, call=None):
    spec = {"layers": [{"className": "MultiHeadAttention", "config": config}], "inputs": inputs,
            "weights": mha_weights, "forward": mha_forward}
    if call:
        spec["call"] = call
    shapes = [i["shape"] for i in inputs if not i.get("arg")]
    if config["numHeads"] * config["keyDim"] == shapes[0][-1] and config.get("valueDim", config["keyDim"]) == config["keyDim"]:
        spec["check"] = mha_check
    return spec


ATTENTION_MASK = [
    [[1, 1, 0, 0, 1], [0, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 0, 0, 1, 0]],
    [[1, 0, 0, 0, 0], [1, 1, 0, 1, 1], [0, 0, 1, 1, 0], [1, 1, 1, 0, 1]],
]
# Keeps the diagonal, so that with the causal mask every query still sees a key.
SELF_MASK = [
    [[1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1]],
    [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [1, 0, 1, 1]],
]


def attention_cases():
    return [
        mha_case({"numHeads": 2, "keyDim": 4}, [x([2, 4, 8]), x([2, 4, 8])]),
        mha_case({"numHeads": 3, "keyDim": 2}, [x([2, 3, 6]), x([2, 5, 4])]),
        mha_case({"numHeads": 2, "keyDim": 3}, [x([2, 3, 6]), x([2, 5, 4]), x([2, 5, 5])]),
        mha_case({"numHeads": 2, "keyDim": 3, "valueDim": 2}, [x([2, 4, 6]), x([2, 4, 6])]),
        mha_case({"numHeads": 2, "keyDim": 3}, [x([2, 3, 5]), x([2, 4, 5])]),
        mha_case({"numHeads": 1, "keyDim": 8}, [x([1, 3, 8]), x([1, 3, 8])]),
        mha_case({"numHeads": 2, "keyDim": 4, "useBias": False}, [x([2, 3, 8]), x([2, 4, 8])]),
        mha_case({"numHeads": 2, "keyDim": 4}, [x([2, 5, 8]), x([2, 5, 8])], {"useCausalMask": True}),
        mha_case({"numHeads": 2, "keyDim": 3}, [x([2, 4, 6]), x([2, 5, 6]), fixed_bool(ATTENTION_MASK, "attentionMask")]),
        mha_case({"numHeads": 2, "keyDim": 4}, [x([2, 4, 8]), x([2, 4, 8]), fixed_bool(SELF_MASK, "attentionMask")], {"useCausalMask": True}),
        mha_case({"numHeads": 2, "keyDim": 3}, [x([2, 4, 6]), x([2, 5, 6]), fixed_bool([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], "valueMask")]),
        mha_case({"numHeads": 2, "keyDim": 4}, [x([2, 4, 8]), x([2, 4, 8])], {"useCausalMask": True, "returnAttentionScores": True}),
        mha_case({"numHeads": 3, "keyDim": 2}, [x([2, 3, 6]), x([2, 5, 4])], {"returnAttentionScores": True}),
    ]


# --- TransformerEncoder -----------------------------------------------------------------------


def transformer_weights(spec):
    c = spec["layers"][0]["config"]
    d = spec["inputs"][0]["shape"][-1]
    return [[(n, s, True) for n, s in K.transformer_weights(d, c["numHeads"], c["intermediateDim"])]]


def transformer_mask(spec, inputs):
    """keras_hub's merge_padding_and_attention_mask: the padding mask masks keys."""
    xin = own(spec, inputs)[0]
    b, t = xin.shape[0], xin.shape[1]
    return K.attention_mask(b, t, t, first(by_arg(spec, inputs, "attentionMask")), False, first(by_arg(spec, inputs, "paddingMask")))


def transformer_forward(spec, inputs, weights):
    return [K.transformer_encoder(spec["layers"][0]["config"], own(spec, inputs)[0], weights[0], transformer_mask(spec, inputs))]


def transformer_check(spec, inputs, weights):
    return [K.transformer_module(spec["layers"][0]["config"], own(spec, inputs)[0], weights[0], transformer_mask(spec, inputs))]


def transformer_case(config, inputs):
    return {"layers": [{"className": "TransformerEncoder", "config": config}], "inputs": inputs,
            "weights": transformer_weights, "forward": transformer_forward, "check": transformer_check}


CAUSAL_5 = [[[1 if j <= i else 0 for j in range(5)] for i in range(5)]] * 2


def transformer_cases():
    return [
        transformer_case({"intermediateDim": 16, "numHeads": 2}, [x([2, 5, 8])]),
        transformer_case({"intermediateDim": 12, "numHeads": 4}, [x([1, 6, 8])]),
        transformer_case({"intermediateDim": 16, "numHeads": 2, "normalizeFirst": True}, [x([2, 5, 8])]),
        transformer_case({"intermediateDim": 16, "numHeads": 2, "activation": "gelu"}, [x([2, 4, 8])]),
        transformer_case({"intermediateDim": 8, "numHeads": 2, "layerNormEpsilon": 1e-3}, [x([2, 3, 6])]),
        transformer_case({"intermediateDim": 16, "numHeads": 2}, [x([2, 5, 8]), fixed_bool([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], "paddingMask")]),
        transformer_case({"intermediateDim": 16, "numHeads": 2}, [x([2, 5, 8]), fixed_bool(CAUSAL_5, "attentionMask")]),
    ]


# --- GRU with resetAfter true (Keras 3's default) ----------------------------------------------


def gru_weight_list(prefix, config, din):
    u = config["units"]
    ws = [(f"{prefix}kernel", [din, 3 * u], True), (f"{prefix}recurrent_kernel", [u, 3 * u], True)]
    if config.get("useBias", True):
        ws.append((f"{prefix}bias", [2, 3 * u], True))
    return ws


def gru_weights(spec):
    out = []
    din = spec["inputs"][0]["shape"][-1]
    for layer in spec["layers"]:
        c = layer["config"]
        if layer["className"] == "Embedding":
            out.append([("embeddings", [c["inputDim"], c["outputDim"]], True)])
            din = c["outputDim"]
        elif layer["className"] == "Bidirectional":
            inner = c["layer"]["config"]
            out.append(gru_weight_list("forward_gru/", inner, din) + gru_weight_list("backward_gru/", inner, din))
        else:
            out.append(gru_weight_list("", c, din))
    return out


def gru_forward(spec, inputs, weights):
    seq = own(spec, inputs)[0]
    mask = first(by_arg(spec, inputs, "mask"))
    states = by_arg(spec, inputs, "initialState")
    outs = None
    for layer, w in zip(spec["layers"], weights):
        c = layer["config"]
        if layer["className"] == "Embedding":
            if c.get("maskZero"):
                mask = seq != 0
            seq = torch.nn.functional.embedding(seq, w[0])
        elif layer["className"] == "Bidirectional":
            outs = K.bidirectional(c, seq, w, mask)
        else:
            outs = K.gru(c, seq, w, mask, states[0] if states else None)
    return outs


def gru_check(spec, inputs, weights):
    return K.gru_module(spec["layers"][0]["config"], own(spec, inputs)[0], weights[0])


MASK = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 1], [1, 1, 0, 1, 1]]
IDS = [[3, 1, 4, 0, 0], [0, 0, 2, 5, 1], [5, 2, 6, 1, 3]]


def gru_case(layers, inputs):
    spec = {"layers": layers, "inputs": inputs, "weights": gru_weights, "forward": gru_forward}
    if len(layers) == 1 and layers[0]["className"] == "GRU" and len(inputs) == 1:
        spec["check"] = gru_check
    return spec


def gru_cases():
    def g(config, inputs):
        return gru_case([{"className": "GRU", "config": {"units": 4, **config}}], inputs)

    def bi(inner, merge, inputs):
        config = {"layer": {"className": "GRU", "config": {"units": 3, **inner}}}
        if merge:
            config["mergeMode"] = merge
        return gru_case([{"className": "Bidirectional", "config": config}], inputs)

    return [
        g({}, [x([3, 5, 3])]),
        g({"returnSequences": True}, [x([3, 5, 3])]),
        g({"returnState": True}, [x([3, 5, 3])]),
        g({"returnSequences": True, "returnState": True}, [x([2, 4, 3])]),
        g({"goBackwards": True}, [x([3, 5, 3])]),
        g({"goBackwards": True, "returnSequences": True}, [x([3, 5, 3])]),
        g({"returnSequences": True}, [x([3, 5, 3]), fixed_bool(MASK, "mask")]),
        g({"returnState": True}, [x([3, 5, 3]), fixed_bool(MASK, "mask")]),
        g({"goBackwards": True, "returnSequences": True}, [x([3, 5, 3]), fixed_bool(MASK, "mask")]),
        g({"returnSequences": True}, [x([3, 5, 3]), state([3, 4])]),
        g({"useBias": False}, [x([2, 6, 2])]),
        g({"units": 1}, [x([2, 3, 4])]),
        bi({}, None, [x([2, 4, 3])]),
        bi({"returnSequences": True}, "sum", [x([2, 4, 3])]),
        bi({"returnSequences": True}, None, [x([3, 5, 3]), fixed_bool(MASK, "mask")]),
        bi({"returnState": True}, "ave", [x([2, 4, 3])]),
        gru_case(
            [{"className": "Embedding", "config": {"inputDim": 7, "outputDim": 3, "maskZero": True}},
             {"className": "GRU", "config": {"units": 4, "returnSequences": True}}],
            [ids(IDS)],
        ),
    ]


# --- Grouped and causal convolutions ------------------------------------------------------------


def conv_weights(spec):
    c = spec["layers"][0]["config"]
    rank = 1 if spec["layers"][0]["className"] == "Conv1D" else 2
    ks = c["kernelSize"] if isinstance(c["kernelSize"], list) else [c["kernelSize"]] * rank
    cin = spec["inputs"][0]["shape"][-1]
    ws = [("kernel", [*ks, cin // c.get("groups", 1), c["filters"]], True)]
    if c.get("useBias", True):
        ws.append(("bias", [c["filters"]], True))
    return [ws]


def conv_forward(spec, inputs, weights):
    c = spec["layers"][0]["config"]
    rank = inputs[0].dim() - 2

    def tup(v, default):
        v = c.get(v, default)
        return v if isinstance(v, list) else [v] * rank

    w = weights[0]
    return [K.conv(inputs[0], w[0], w[1] if len(w) > 1 else None, tup("strides", 1), c.get("padding", "valid"),
                   tup("dilationRate", 1), c.get("groups", 1))]


def conv_case(className, config, shape):
    return {"layers": [{"className": className, "config": config}], "inputs": [x(shape)],
            "weights": conv_weights, "forward": conv_forward}


def depthwise_weights(spec):
    c = spec["layers"][0]["config"]
    ks = c["kernelSize"] if isinstance(c["kernelSize"], list) else [c["kernelSize"]] * 2
    cin = spec["inputs"][0]["shape"][-1]
    dm = c.get("depthMultiplier", 1)
    ws = [("depthwise_kernel", [*ks, cin, dm], True)]
    if c.get("useBias", True):
        ws.append(("bias", [cin * dm], True))
    return [ws]


def depthwise_forward(spec, inputs, weights):
    c = spec["layers"][0]["config"]

    def pair(v, default):
        v = c.get(v, default)
        return v if isinstance(v, list) else [v, v]

    w = weights[0]
    return [K.depthwise(inputs[0], w[0], w[1] if len(w) > 1 else None, pair("strides", 1), c.get("padding", "valid"), pair("dilationRate", 1))]


def depthwise_case(config, shape):
    return {"layers": [{"className": "DepthwiseConv2D", "config": config}], "inputs": [x(shape)],
            "weights": depthwise_weights, "forward": depthwise_forward}


def conv_cases():
    return [
        conv_case("Conv2D", {"filters": 6, "kernelSize": 3, "groups": 2}, [2, 5, 5, 4]),
        conv_case("Conv2D", {"filters": 3, "kernelSize": 3, "strides": 2, "padding": "same", "groups": 3}, [2, 7, 7, 6]),
        conv_case("Conv2D", {"filters": 4, "kernelSize": 3, "dilationRate": 2, "padding": "same", "groups": 4}, [1, 6, 6, 4]),
        conv_case("Conv2D", {"filters": 8, "kernelSize": [2, 3], "groups": 4, "useBias": False}, [2, 5, 6, 4]),
        conv_case("Conv1D", {"filters": 4, "kernelSize": 3, "groups": 2}, [2, 9, 4]),
        conv_case("Conv1D", {"filters": 4, "kernelSize": 3, "padding": "causal"}, [2, 8, 3]),
        conv_case("Conv1D", {"filters": 3, "kernelSize": 2, "padding": "causal", "dilationRate": 2}, [2, 9, 2]),
        conv_case("Conv1D", {"filters": 2, "kernelSize": 3, "padding": "causal", "groups": 2}, [2, 7, 4]),
        depthwise_case({"kernelSize": 3, "dilationRate": 2}, [2, 7, 7, 2]),
        depthwise_case({"kernelSize": 3, "dilationRate": 2, "padding": "same", "depthMultiplier": 2, "useBias": False}, [1, 7, 6, 2]),
    ]


# --- BatchNormalization over an axis other than the last ---------------------------------------


def bn_weights(spec):
    c = spec["layers"][0]["config"]
    n = spec["inputs"][0]["shape"][c["axis"]]
    return [[("gamma", [n], True), ("beta", [n], True), ("moving_mean", [n], False), ("moving_variance", [n], False)]]


def bn_forward(spec, inputs, weights):
    y, _ = K.batch_norm(spec["layers"][0]["config"], inputs[0], weights[0], spec.get("training", False))
    return [y]


def bn_updates(spec, inputs, weights):
    return [K.batch_norm(spec["layers"][0]["config"], inputs[0], weights[0], spec.get("training", False))[1]]


def bn_check(spec, inputs, weights):
    return [K.batch_norm_module(spec["layers"][0]["config"], inputs[0], weights[0], spec.get("training", False))]


def bn_case(config, shape, training=False):
    return {"layers": [{"className": "BatchNormalization", "config": config}], "inputs": [x(shape)], "training": training,
            "weights": bn_weights, "forward": bn_forward, "updates": bn_updates, "check": bn_check}


def normalization_cases():
    return [
        bn_case({"axis": 1}, [4, 3, 5]),
        bn_case({"axis": 1, "momentum": 0.8}, [4, 3, 5], True),
        bn_case({"axis": 1, "epsilon": 0.01}, [2, 3, 2, 2], True),
        bn_case({"axis": -2}, [3, 4, 2]),
    ]


# --- Position embeddings (keras_hub's PositionEmbedding and SinePositionEncoding) ---------------


def position_weights(spec):
    c = spec["layers"][0]["config"]
    return [[("embeddings", [c["sequenceLength"], spec["inputs"][0]["shape"][-1]], True)]]


def position_forward(spec, inputs, weights):
    """The first T rows of the table broadcast to the input's shape (not added to it)."""
    t = inputs[0].shape[-2]
    return [weights[0][0][:t].expand(inputs[0].shape)]


def sine_forward(spec, inputs, weights):
    """keras_hub: sin(p w_j) at even features j, cos(p w_j) at odd ones, w_j = maxWavelength^(-2 floor(j/2) / d)."""
    t, d = inputs[0].shape[-2], inputs[0].shape[-1]
    j = torch.arange(d, dtype=torch.float64)
    rates = torch.pow(1.0 / spec["layers"][0]["config"].get("maxWavelength", 10000), 2 * torch.div(j, 2, rounding_mode="floor") / d)
    angles = torch.arange(t, dtype=torch.float64)[:, None] * rates[None, :]
    odd = j % 2
    return [(torch.sin(angles) * (1 - odd) + torch.cos(angles) * odd).expand(inputs[0].shape)]


def position_cases():
    def pe(config, shape):
        return {"layers": [{"className": "PositionEmbedding", "config": config}], "inputs": [x(shape)],
                "weights": position_weights, "forward": position_forward}

    def sine(config, shape):
        return {"layers": [{"className": "SinePositionEncoding", "config": config}], "inputs": [x(shape)],
                "weights": lambda spec: [[]], "forward": sine_forward}

    return [
        pe({"sequenceLength": 5}, [2, 5, 4]),
        pe({"sequenceLength": 7}, [2, 4, 3]),
        pe({"sequenceLength": 3}, [2, 2, 3, 4]),
        sine({}, [2, 6, 8]),
        sine({"maxWavelength": 100}, [1, 5, 6]),
        sine({}, [2, 4, 5]),
        sine({}, [2, 2, 3, 4]),
    ]


# --- 1-D and 3-D layers TF.js 4.22 lacks ------------------------------------------------------


def one_d_weights(spec):
    layer = spec["layers"][0]
    c = layer["config"]
    cin = spec["inputs"][0]["shape"][-1]
    k, dm = c.get("kernelSize"), c.get("depthMultiplier", 1)
    bias = c.get("useBias", True)
    if layer["className"] == "Conv1DTranspose":
        ws = [("kernel", [k, c["filters"], cin], True)] + ([("bias", [c["filters"]], True)] if bias else [])
    elif layer["className"] == "DepthwiseConv1D":
        ws = [("depthwise_kernel", [k, cin, dm], True)] + ([("bias", [cin * dm], True)] if bias else [])
    elif layer["className"] == "SeparableConv1D":
        ws = [("depthwise_kernel", [k, cin, dm], True), ("pointwise_kernel", [1, cin * dm, c["filters"]], True)]
        ws += [("bias", [c["filters"]], True)] if bias else []
    else:
        ws = []
    return [ws]


def conv1d_transpose(c, x, kernel, bias):
    """Keras Conv1DTranspose (kernel [k, filters, in]): the full transposed convolution, then
    TensorFlow's cropping: 'same' gives n s values from floor(max(k - s, 0) / 2) on, 'valid'
    (n - 1) s + max(k, s); where the kernel is shorter than the stride the end is zeros."""
    s, k, n = c.get("strides", 1), kernel.shape[0], x.shape[1]
    y = F.conv_transpose1d(x.permute(0, 2, 1), kernel.permute(2, 1, 0), None, stride=s)
    start, length = (max(k - s, 0) // 2, n * s) if c.get("padding", "valid") == "same" else (0, (n - 1) * s + max(k, s))
    y = F.pad(y, [0, max(start + length - y.shape[2], 0)])[:, :, start:start + length].permute(0, 2, 1)
    return y if bias is None else y + bias


def one_d_forward(spec, inputs, weights):
    layer = spec["layers"][0]
    c, name, w = layer["config"], layer["className"], weights[0]
    xin = inputs[0]

    def opt(key, default):
        return [c.get(key, default)]

    if name == "Conv1DTranspose":
        return [conv1d_transpose(c, xin, w[0], w[1] if len(w) > 1 else None)]
    if name in ("DepthwiseConv1D", "SeparableConv1D"):
        dw = w[0].reshape(w[0].shape[0], 1, -1)
        bias = w[1] if name == "DepthwiseConv1D" and len(w) > 1 else None
        y = K.conv(xin, dw, bias, opt("strides", 1), c.get("padding", "valid"), opt("dilationRate", 1), xin.shape[-1])
        if name == "SeparableConv1D":
            y = K.conv(y, w[1], w[2] if len(w) > 2 else None, [1], "valid", [1], 1)
        return [y]
    if name == "GlobalAveragePooling3D":
        return [xin.mean(dim=(1, 2, 3))]
    if name == "GlobalMaxPooling3D":
        return [xin.amax(dim=(1, 2, 3))]
    if name == "UpSampling1D":
        return [xin.repeat_interleave(c.get("size", 2), dim=1)]
    if name in ("ZeroPadding1D", "Cropping1D"):
        v = c.get("padding" if name == "ZeroPadding1D" else "cropping", 1)
        a, b = v if isinstance(v, list) else [v, v]
        return [F.pad(xin, [0, 0, a, b])] if name == "ZeroPadding1D" else [xin[:, a:xin.shape[1] - b]]
    if name == "Subtract":
        return [inputs[0] - inputs[1]]
    raise AssertionError(name)


def one_d_cases():
    def one(className, config, shapes):
        return {"layers": [{"className": className, "config": config}], "inputs": [x(s) for s in shapes],
                "weights": one_d_weights, "forward": one_d_forward}

    return [
        one("Conv1DTranspose", {"filters": 3, "kernelSize": 3, "strides": 2}, [[2, 4, 2]]),
        one("Conv1DTranspose", {"filters": 2, "kernelSize": 3, "strides": 2, "padding": "same"}, [[2, 5, 3]]),
        one("Conv1DTranspose", {"filters": 2, "kernelSize": 4, "strides": 2, "padding": "same", "useBias": False}, [[1, 4, 2]]),
        one("Conv1DTranspose", {"filters": 2, "kernelSize": 2, "strides": 3}, [[1, 3, 2]]),
        one("DepthwiseConv1D", {"kernelSize": 3}, [[2, 7, 3]]),
        one("DepthwiseConv1D", {"kernelSize": 3, "depthMultiplier": 2, "strides": 2, "padding": "same"}, [[2, 9, 2]]),
        one("SeparableConv1D", {"filters": 4, "kernelSize": 3, "padding": "same"}, [[2, 8, 3]]),
        one("SeparableConv1D", {"filters": 3, "kernelSize": 2, "depthMultiplier": 2, "strides": 2, "useBias": False}, [[1, 7, 2]]),
        one("GlobalAveragePooling3D", {}, [[2, 3, 2, 4, 3]]),
        one("GlobalMaxPooling3D", {}, [[2, 3, 2, 4, 3]]),
        one("UpSampling1D", {}, [[2, 3, 4]]),
        one("UpSampling1D", {"size": 3}, [[1, 4, 2]]),
        one("ZeroPadding1D", {}, [[2, 3, 2]]),
        one("ZeroPadding1D", {"padding": [1, 3]}, [[1, 4, 2]]),
        one("Cropping1D", {}, [[2, 5, 2]]),
        one("Cropping1D", {"cropping": [2, 1]}, [[1, 6, 3]]),
        one("Subtract", {}, [[2, 4], [2, 4]]),
        one("Subtract", {}, [[2, 3, 2], [2, 3, 2]]),
    ]


def generate_layers():
    started = time.time()
    cases = []
    seen = set()
    for spec in attention_cases() + transformer_cases() + gru_cases() + conv_cases() + normalization_cases() + position_cases() + one_d_cases():
        rec = build_case(spec)
        if rec["id"] in seen:
            raise AssertionError(f"duplicate case id: {rec['id']}")
        seen.add(rec["id"])
        cases.append(rec)
    write_atomic(os.path.join(ROOT, "layers-torch.json"), stringify_with_list({"generator": GENERATOR, "cases": cases}, "cases"))
    by = {}
    for c in cases:
        name = ">".join(layer["className"] for layer in c["layers"])
        by[name] = by.get(name, 0) + 1
    print(f"layers-torch.json: {len(cases)} cases in {time.time() - started:.1f} s")
    print("  by layer: " + ", ".join(f"{k} {n}" for k, n in by.items()))


if __name__ == "__main__":
    args = set(sys.argv[1:])
    every = not args & {"--layers", "--training"}
    if every or "--layers" in args:
        generate_layers()
    if every or "--training" in args:
        for run in training_runs():
            started = time.time()
            rec = run()
            write_atomic(os.path.join(ROOT, "training", f"{rec['id']}.json"), stringify_top_level(rec))
            losses = rec["stepLosses"]
            print(f"training/{rec['id']}.json: {len(losses)} steps, loss {losses[0]} -> {losses[-1]} in {time.time() - started:.1f} s")
