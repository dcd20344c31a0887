"""Reference values for the attention layers' tests, from PyTorch 1.13 (Debian's python3-torch).

Run: /usr/bin/python3 packages/nn/src/layers/attention/torch-reference.py > packages/nn/src/layers/attention/torch-reference.json
then npx biome format --write on that file (the repository formats its JSON).

Weights are drawn in Keras's layouts (what nabla's layers hold) and mapped to PyTorch's:
  nn.MultiheadAttention: W_q = queryKernel.reshape(D, heads*keyDim).T (rows head-major), b_q =
  queryBias.reshape(-1), likewise key and value; out_proj.weight = outputKernel.reshape(heads*valueDim, D_out).T.
  nn.TransformerEncoderLayer: self_attn as above; norm1 = selfAttentionLayerNorm, norm2 =
  feedforwardLayerNorm; linear1.weight = feedforwardIntermediateDense/kernel.T, linear2 likewise.
PyTorch masks are True where attention is NOT allowed, nabla's (and Keras's) True where it is.
Everything is float64; layers run in train() mode with dropout 0, which keeps PyTorch off its
fused inference path.
"""

import json

import torch
from torch import nn

torch.manual_seed(0)
DT = torch.float64


def draw(*shape):
    return (torch.rand(*shape, dtype=DT) * 2 - 1).contiguous()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def mha_weights(dq, dk, dv, heads, key_dim, value_dim, d_out):
    """Keras-ordered weights: queryKernel, queryBias, keyKernel, keyBias, valueKernel, valueBias, outputKernel, outputBias."""
    return [
        draw(dq, heads, key_dim),
        draw(heads, key_dim),
        draw(dk, heads, key_dim),
        draw(heads, key_dim),
        draw(dv, heads, value_dim),
        draw(heads, value_dim),
        draw(heads, value_dim, d_out),
        draw(d_out),
    ]


def load_mha(m, w, same_dims):
    qk, qb, kk, kb, vk, vb, ok, ob = w
    proj = lambda k: k.reshape(k.shape[0], -1).T
    with torch.no_grad():
        if same_dims:
            m.in_proj_weight.copy_(torch.cat([proj(qk), proj(kk), proj(vk)]))
        else:
            m.q_proj_weight.copy_(proj(qk))
            m.k_proj_weight.copy_(proj(kk))
            m.v_proj_weight.copy_(proj(vk))
        m.in_proj_bias.copy_(torch.cat([qb.reshape(-1), kb.reshape(-1), vb.reshape(-1)]))
        m.out_proj.weight.copy_(ok.reshape(-1, ok.shape[-1]).T)
        m.out_proj.bias.copy_(ob)


def mha_case(name, b, tq, tv, dq, dk, dv, heads, allowed=None, padding=None):
    """allowed: bool [b, tq, tv] or None; padding: valid lengths of the values per batch, or None."""
    key_dim = dq // heads
    w = mha_weights(dq, dk, dv, heads, key_dim, key_dim, dq)
    same = dq == dk == dv
    # Where the widths agree the key is the value (nabla's [query, value] form), else a key of its own.
    q, v = draw(b, tq, dq), draw(b, tv, dv)
    k = v if same else draw(b, tv, dk)
    m = nn.MultiheadAttention(dq, heads, batch_first=True, kdim=dk, vdim=dv, dtype=DT)
    load_mha(m, w, same)
    m.train()
    kpm = None
    if padding is not None:
        kpm = torch.arange(tv)[None, :] >= torch.tensor(padding)[:, None]
    attn_mask = None
    if allowed is not None:
        attn_mask = (~allowed).repeat_interleave(heads, dim=0)
    out, scores = m(q, k, v, key_padding_mask=kpm, attn_mask=attn_mask, need_weights=True, average_attn_weights=False)
    return {
        "name": name,
        "heads": heads,
        "keyDim": key_dim,
        "shapes": {"query": [b, tq, dq], "value": [b, tv, dv], "key": [b, tv, dk]},
        "query": flat(q),
        "value": flat(v),
        "key": flat(k),
        "allowed": None if allowed is None else [bool(x) for x in allowed.reshape(-1).tolist()],
        "padding": padding,
        "weights": [{"shape": list(t.shape), "data": flat(t)} for t in w],
        "output": flat(out),
        "scores": flat(scores),
    }


def encoder_case(name, b, t, d, heads, ff, norm_first, causal, padding):
    key_dim = d // heads
    attn = mha_weights(d, d, d, heads, key_dim, key_dim, d)
    ln1g, ln1b, ln2g, ln2b = draw(d) * 0.5 + 1, draw(d) * 0.5, draw(d) * 0.5 + 1, draw(d) * 0.5
    k1, b1, k2, b2 = draw(d, ff), draw(ff), draw(ff, d), draw(d)
    layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=ff, dropout=0.0, batch_first=True, norm_first=norm_first, dtype=DT)
    load_mha(layer.self_attn, attn, True)
    with torch.no_grad():
        layer.norm1.weight.copy_(ln1g)
        layer.norm1.bias.copy_(ln1b)
        layer.norm2.weight.copy_(ln2g)
        layer.norm2.bias.copy_(ln2b)
        layer.linear1.weight.copy_(k1.T)
        layer.linear1.bias.copy_(b1)
        layer.linear2.weight.copy_(k2.T)
        layer.linear2.bias.copy_(b2)
    layer.train()
    x = draw(b, t, d)
    kpm = None if padding is None else torch.arange(t)[None, :] >= torch.tensor(padding)[:, None]
    mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1) if causal else None
    y = layer(x, src_mask=mask, src_key_padding_mask=kpm)
    weights = attn + [ln1g, ln1b, ln2g, ln2b, k1, b1, k2, b2]
    return {
        "name": name,
        "heads": heads,
        "intermediateDim": ff,
        "normalizeFirst": norm_first,
        "causal": causal,
        "padding": padding,
        "shape": [b, t, d],
        "x": flat(x),
        "weights": [{"shape": list(w.shape), "data": flat(w)} for w in weights],
        "output": flat(y),
    }


allowed = torch.tensor(
    [
        [[1, 0, 1], [1, 1, 0], [0, 1, 1]],
        [[1, 1, 1], [0, 0, 1], [1, 0, 0]],
    ],
    dtype=torch.bool,
)
causal3 = torch.tril(torch.ones(3, 3, dtype=torch.bool))[None].repeat(2, 1, 1)

cases = {
    "mha": [
        mha_case("self-attention", 2, 3, 3, 4, 4, 4, 2),
        mha_case("padded values (lengths 3 and 2)", 2, 3, 3, 4, 4, 4, 2, padding=[3, 2]),
        mha_case("an attention mask", 2, 3, 3, 4, 4, 4, 2, allowed=allowed),
        mha_case("causal and padded", 2, 3, 3, 4, 4, 4, 1, allowed=causal3, padding=[3, 2]),
        mha_case("cross-attention: query, value and key of different widths", 2, 2, 3, 4, 3, 5, 2),
    ],
    "encoder": [
        encoder_case("post-norm, padded", 2, 4, 4, 2, 6, False, False, [4, 2]),
        encoder_case("normalizeFirst", 2, 3, 4, 2, 5, True, False, None),
        encoder_case("causal and padded", 2, 4, 6, 3, 4, False, True, [4, 3]),
    ],
    "torch": torch.__version__,
}
print(json.dumps(cases, indent=None, separators=(",", ":")))
