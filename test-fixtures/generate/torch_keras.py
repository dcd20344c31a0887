"""Keras 3 layer semantics written with PyTorch: the forward functions of the PyTorch cases.

Weights arrive in Keras's layouts and order; each function maps them to PyTorch's layouts with
differentiable reshapes and transposes, so autograd gives gradients in Keras's layouts. Where
PyTorch has the layer as a module (nn.GRUCell, nn.MultiheadAttention,
nn.TransformerEncoderLayer, nn.GRU), the module is what computes, or what the Keras-semantics
code is checked against (torch_cases.build_case's "check").
"""

import math

import torch
import torch.nn.functional as F
from torch.nn.utils.stateless import functional_call

DT = torch.float64
NEG = -1e9  # Keras's masked-softmax constant for float32 and float64 (_large_negative_number)


# --- Convolutions -----------------------------------------------------------------------------


def _same_padding(size, k, s, d):
    """TensorFlow's 'same': the output has ceil(size / s) positions, the extra padding at the end."""
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def conv(x, kernel, bias, strides, padding, dilation, groups):
    """Keras ConvND (channels-last) through F.conv1d/conv2d; kernel [*k, in/groups, filters]."""
    rank = kernel.dim() - 2
    xs = x.permute(0, rank + 1, *range(1, rank + 1))  # NC...
    w = kernel.permute(rank + 1, rank, *range(rank))  # [filters, in/groups, *k]
    pads = []
    for i in reversed(range(rank)):  # F.pad takes the last axis first
        k, s, d = kernel.shape[i], strides[i], dilation[i]
        if padding == "same":
            pads += list(_same_padding(xs.shape[2 + i], k, s, d))
        elif padding == "causal":
            pads += [(k - 1) * d, 0]
        else:
            pads += [0, 0]
    xs = F.pad(xs, pads)
    f = (F.conv1d, F.conv2d, F.conv3d)[rank - 1]
    y = f(xs, w, bias, stride=tuple(strides), dilation=tuple(dilation), groups=groups)
    return y.permute(0, *range(2, rank + 2), 1)


def depthwise(x, kernel, bias, strides, padding, dilation):
    """Keras DepthwiseConv2D: kernel [kh, kw, in, multiplier]; output channel c * multiplier + m."""
    k = kernel.reshape(kernel.shape[0], kernel.shape[1], 1, -1)
    return conv(x, k, bias, strides, padding, dilation, x.shape[-1])


# --- Normalization ----------------------------------------------------------------------------


def batch_norm(config, x, weights, training):
    """Keras 3 BatchNormalization with gamma, beta, moving mean and variance: returns the output
    and, in training, the updated moving statistics (moving * momentum + batch * (1 - momentum),
    the batch variance biased, as Keras 3's; PyTorch's running_var would take the unbiased one)."""
    axis = config.get("axis", -1) % x.dim()
    gamma, beta, mean, var = weights
    shape = [1] * x.dim()
    shape[axis] = x.shape[axis]
    updates = [None, None, None, None]
    if training:
        axes = [a for a in range(x.dim()) if a != axis]
        m = config.get("momentum", 0.99)
        batch_mean, batch_var = x.mean(dim=axes), x.var(dim=axes, unbiased=False)
        updates[2], updates[3] = mean * m + batch_mean * (1 - m), var * m + batch_var * (1 - m)
        mean, var = batch_mean, batch_var
    y = (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + config.get("epsilon", 1e-3))
    return y * gamma.reshape(shape) + beta.reshape(shape), updates


def batch_norm_module(config, x, weights, training):
    """The same through F.batch_norm, with the normalized axis moved to PyTorch's channel axis 1."""
    axis = config.get("axis", -1) % x.dim()
    xs = x.movedim(axis, 1)
    gamma, beta, mean, var = weights
    y = F.batch_norm(xs, mean.clone(), var.clone(), gamma, beta, training, 0.0, config.get("epsilon", 1e-3))
    return y.movedim(1, axis)


# --- Recurrence -------------------------------------------------------------------------------


def gru_cell_params(kernel, recurrent, bias, units):
    """Keras GRU (resetAfter) weights as nn.GRUCell's: gates z, r, h become r, z, n; bias [2, 3u] becomes bias_ih, bias_hh."""

    def reorder(m):
        return torch.cat([m[..., units : 2 * units], m[..., :units], m[..., 2 * units :]], dim=-1)

    params = {"weight_ih": reorder(kernel).T, "weight_hh": reorder(recurrent).T}
    if bias is not None:
        params["bias_ih"] = reorder(bias[0])
        params["bias_hh"] = reorder(bias[1])
    return params


def keras_rnn(step, x, states, mask, go_backwards, return_sequences, zero_output_for_mask=False):
    """Keras 3's backend rnn: a masked step keeps the states and repeats the previous output
    (zeros before the first output), or outputs zeros when zero_output_for_mask (Bidirectional
    with returnSequences sets it). Outputs are in processing order. Returns (output, states)."""
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs = []
    prev = None
    for t in steps:
        out, new_states = step(x[:, t], states)
        if prev is None:
            prev = torch.zeros_like(out)
        if mask is not None:
            m = mask[:, t].unsqueeze(-1)
            out = torch.where(m, out, torch.zeros_like(out) if zero_output_for_mask else prev)
            new_states = [torch.where(m, n, s) for n, s in zip(new_states, states)]
        outputs.append(out)
        states = new_states
        prev = out
    if return_sequences:
        return torch.stack(outputs, dim=1), states
    return outputs[-1], states


def gru(config, x, weights, mask=None, initial_state=None, zero_output_for_mask=False):
    """Keras 3 GRU with resetAfter true (the default): each step is PyTorch's nn.GRUCell."""
    units = config["units"]
    use_bias = config.get("useBias", True)
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if use_bias else None
    cell = torch.nn.GRUCell(x.shape[-1], units, bias=use_bias).to(DT)
    params = gru_cell_params(kernel, recurrent, bias, units)

    def step(xt, states):
        h = functional_call(cell, params, (xt, states[0]))
        return h, [h]

    h0 = initial_state if initial_state is not None else torch.zeros(x.shape[0], units, dtype=DT)
    out, states = keras_rnn(
        step, x, [h0], mask, config.get("goBackwards", False), config.get("returnSequences", False), zero_output_for_mask
    )
    return [out, *states] if config.get("returnState", False) else [out]


def gru_module(config, x, weights):
    """The same GRU through nn.GRU (whole sequences, no mask): the check of gru()."""
    units = config["units"]
    use_bias = config.get("useBias", True)
    module = torch.nn.GRU(x.shape[-1], units, batch_first=True, bias=use_bias).to(DT)
    p = gru_cell_params(weights[0], weights[1], weights[2] if use_bias else None, units)
    # nn.GRU reads a cached list of its parameters, which functional_call does not update:
    # the values are copied in (the check runs without gradients).
    with torch.no_grad():
        for k, v in p.items():
            getattr(module, f"{k}_l0").copy_(v)
    xs = torch.flip(x, [1]) if config.get("goBackwards", False) else x
    seq, h = module(xs)
    out = seq if config.get("returnSequences", False) else seq[:, -1]
    return [out, h[0]] if config.get("returnState", False) else [out]


def bidirectional(config, x, weights, mask=None):
    """Keras 3 Bidirectional over a GRU: forward and backward (goBackwards) copies; with
    returnSequences the backward outputs are flipped back in time and masked steps give zeros."""
    inner = config["layer"]["config"]
    n = len(weights) // 2
    zero = inner.get("returnSequences", False)
    fwd = gru({**inner, "goBackwards": False}, x, weights[:n], mask, zero_output_for_mask=zero)
    bwd = gru({**inner, "goBackwards": True}, x, weights[n:], mask, zero_output_for_mask=zero)
    y, y_rev = fwd[0], bwd[0]
    if inner.get("returnSequences", False):
        y_rev = torch.flip(y_rev, [1])
    mode = config.get("mergeMode", "concat")
    merged = {
        "concat": lambda: torch.cat([y, y_rev], dim=-1),
        "sum": lambda: y + y_rev,
        "ave": lambda: (y + y_rev) / 2,
        "mul": lambda: y * y_rev,
    }[mode]()
    return [merged, *fwd[1:], *bwd[1:]]


# --- Attention --------------------------------------------------------------------------------


def attention_mask(batch, tq, tv, attention=None, causal=False, value_mask=None):
    """Keras 3 MultiHeadAttention's mask [B, Tq, Tv] (true: attend): the given attention mask,
    and the value (key padding) mask, and the causal mask (j <= i)."""
    mask = torch.ones(batch, tq, tv, dtype=torch.bool)
    if attention is not None:
        mask = mask & attention
    if value_mask is not None:
        mask = mask & value_mask[:, None, :]
    if causal:
        mask = mask & torch.tril(torch.ones(tq, tv, dtype=torch.bool))[None]
    return mask


def mha(config, query, value, key, weights, mask):
    """Keras 3 MultiHeadAttention, as its einsums: returns (output [B,Tq,D], scores [B,H,Tq,Tv])."""
    use_bias = config.get("useBias", True)
    if use_bias:
        qk, qb, kk, kb, vk, vb, ok, ob = weights
    else:
        qk, kk, vk, ok = weights
        qb = kb = vb = ob = None
    key_dim = qk.shape[-1]
    q = torch.einsum("btd,dhk->bthk", query, qk)
    k = torch.einsum("bsd,dhk->bshk", key, kk)
    v = torch.einsum("bsd,dhk->bshk", value, vk)
    if use_bias:
        q, k, v = q + qb, k + kb, v + vb
    q = q * (1.0 / math.sqrt(key_dim))
    scores = torch.einsum("bshk,bthk->bhts", k, q)
    scores = torch.where(mask[:, None], scores, torch.full_like(scores, NEG))
    probs = torch.softmax(scores, dim=-1)
    o = torch.einsum("bhts,bshk->bthk", probs, v)
    out = torch.einsum("bthk,hkd->btd", o, ok)
    if use_bias:
        out = out + ob
    return out, probs


def mha_module_params(weights, use_bias, same_dims):
    """Keras MultiHeadAttention weights as nn.MultiheadAttention's parameters."""
    if use_bias:
        qk, qb, kk, kb, vk, vb, ok, ob = weights
    else:
        qk, kk, vk, ok = weights

    def proj(kernel):  # [D, H, K] -> [H*K, D]
        return kernel.reshape(kernel.shape[0], -1).T

    p = {}
    if same_dims:
        p["in_proj_weight"] = torch.cat([proj(qk), proj(kk), proj(vk)])
    else:
        p["q_proj_weight"], p["k_proj_weight"], p["v_proj_weight"] = proj(qk), proj(kk), proj(vk)
    p["out_proj.weight"] = ok.reshape(-1, ok.shape[-1]).T
    if use_bias:
        p["in_proj_bias"] = torch.cat([qb.reshape(-1), kb.reshape(-1), vb.reshape(-1)])
        p["out_proj.bias"] = ob
    return p


def mha_module(config, query, value, key, weights, mask):
    """The same attention through nn.MultiheadAttention (numHeads * keyDim must be the query's
    width and valueDim keyDim): output and per-head weights."""
    heads = config["numHeads"]
    d = query.shape[-1]
    use_bias = config.get("useBias", True)
    same = key.shape[-1] == d and value.shape[-1] == d
    module = torch.nn.MultiheadAttention(
        d, heads, bias=use_bias, batch_first=True, kdim=key.shape[-1], vdim=value.shape[-1]
    ).to(DT)
    params = mha_module_params(weights, use_bias, same)
    blocked = (~mask).repeat_interleave(heads, dim=0)  # PyTorch: true means masked, [B*H, Tq, Tv]
    out, probs = functional_call(
        module, params, (query, key, value), {"attn_mask": blocked, "need_weights": True, "average_attn_weights": False}
    )
    return out, probs


def layer_norm(x, gamma, beta, eps):
    return F.layer_norm(x, (x.shape[-1],), gamma, beta, eps)


ACTIVATIONS = {"relu": torch.relu, "gelu": F.gelu}  # Keras's gelu is the exact (erf) one, as PyTorch's default


def transformer_encoder(config, x, weights, mask):
    """keras_hub's TransformerEncoder written out (see README.md): post-norm unless normalizeFirst."""
    mha_w, (g1, b1, g2, b2, k1, c1, k2, c2) = weights[:8], weights[8:]
    eps = config.get("layerNormEpsilon", 1e-5)
    act = ACTIVATIONS[config.get("activation", "relu")]
    first = config.get("normalizeFirst", False)
    mha_config = {"numHeads": config["numHeads"]}
    h = layer_norm(x, g1, b1, eps) if first else x
    a, _ = mha(mha_config, h, h, h, mha_w, mask)
    x = x + a
    if not first:
        x = layer_norm(x, g1, b1, eps)
    h = layer_norm(x, g2, b2, eps) if first else x
    h = act(h @ k1 + c1) @ k2 + c2
    x = x + h
    if not first:
        x = layer_norm(x, g2, b2, eps)
    return x


def transformer_module(config, x, weights, mask):
    """The same block through nn.TransformerEncoderLayer."""
    d = x.shape[-1]
    heads = config["numHeads"]
    module = torch.nn.TransformerEncoderLayer(
        d,
        heads,
        config["intermediateDim"],
        dropout=0.0,
        activation=config.get("activation", "relu"),
        layer_norm_eps=config.get("layerNormEpsilon", 1e-5),
        batch_first=True,
        norm_first=config.get("normalizeFirst", False),
    ).to(DT)
    mha_p = mha_module_params(weights[:8], True, True)
    g1, b1, g2, b2, k1, c1, k2, c2 = weights[8:]
    params = {f"self_attn.{k}": v for k, v in mha_p.items()}
    params.update(
        {
            "norm1.weight": g1,
            "norm1.bias": b1,
            "norm2.weight": g2,
            "norm2.bias": b2,
            "linear1.weight": k1.T,
            "linear1.bias": c1,
            "linear2.weight": k2.T,
            "linear2.bias": c2,
        }
    )
    blocked = (~mask).repeat_interleave(heads, dim=0)
    return functional_call(module, params, (x,), {"src_mask": blocked})


def transformer_weights(d, heads, ff):
    """keras_hub TransformerEncoder's weights, in its build order (name, shape)."""
    k = d // heads
    names = []
    for part in ("query", "key", "value"):
        names += [(f"self_attention_layer/{part}/kernel", [d, heads, k]), (f"self_attention_layer/{part}/bias", [heads, k])]
    names += [("self_attention_layer/attention_output/kernel", [heads, k, d]), ("self_attention_layer/attention_output/bias", [d])]
    names += [("self_attention_layer_norm/gamma", [d]), ("self_attention_layer_norm/beta", [d])]
    names += [("feedforward_layer_norm/gamma", [d]), ("feedforward_layer_norm/beta", [d])]
    names += [("feedforward_intermediate_dense/kernel", [d, ff]), ("feedforward_intermediate_dense/bias", [ff])]
    names += [("feedforward_output_dense/kernel", [ff, d]), ("feedforward_output_dense/bias", [d])]
    return names
