"""The PyTorch training runs: the Transformer encoder block and a GRU with resetAfter true, in
training/*.json's format (see layers-training.mjs), trained in float64 from float32 data and
initial weights with PyTorch's Adam, the weights kept in Keras's layouts throughout."""

import math

import numpy as np
import torch

import torch_keras as K
from torch_common import Rng, encode_float32, encode_tensor, keras_fans

GENERATOR = f"PyTorch {torch.__version__} (CPU, float64 from float32 inputs and weights)"

ADAM_NOTE = (
    "PyTorch Adam (torch.optim.Adam 1.13, eps 1e-7): m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; "
    "w = w - lr/(1 - b1^t) * m / (sqrt(v)/sqrt(1 - b2^t) + eps), with b1^t and b2^t computed in double precision: "
    "epsilon is added to the bias-corrected sqrt(v), as in TF.js (see training/mnist-mlp-adam.json), where Keras and nabla "
    "add it to the uncorrected one."
)
LOSS_NOTE = (
    "stepLosses[k] is the mean loss over batch k computed in the forward pass of step k, i.e. with the weights from before "
    "step k's update (Keras reports it the same way). Batches are taken in order (shuffle false)."
)
MSE_NOTE = "Loss meanSquaredError: mean over the last axis of (yPred - y)^2, then mean over the batch."
FLOAT64_NOTE = (
    "Computed in float64 by PyTorch from the float32 data and initial weights; losses and weights are rounded to float32 "
    "only when written."
)
MODEL_NOTE = (
    "model.layers are Keras 3 layers ({ className, config }, camelCase options) applied in sequence to inputs of shape "
    "[batch, ...model.inputShape]; initialWeights and finalWeights are the weights layer by layer, each layer's in its "
    "Keras weights order."
)
INITIAL_NOTE = (
    "Initial weights from the seeded PRNG (the same scheme as layers-training.mjs): kernels, recurrent and attention kernels "
    "included, uniform in the glorot range sqrt(6/(fanIn+fanOut)) with Keras's fans; biases and beta zeros, gamma ones."
)


def initial_values(rng, name, shape):
    base = name.split("/")[-1]
    if base.endswith("kernel"):
        fan_in, fan_out = keras_fans(shape)
        limit = math.sqrt(6 / (fan_in + fan_out))
        return rng.uniform_array(shape, -limit, limit)
    if base == "gamma":
        return np.ones(shape, dtype=np.float32)
    return np.zeros(shape, dtype=np.float32)


def encode_weights(names, tensors):
    return [{"name": n, **encode_tensor(t, "float32", with_dtype=False)} for n, t in zip(names, tensors)]


def train(run_id, notes, input_shape, layers, weight_list, forward, x, y, lr, batch_size, epochs):
    rng = Rng(f"{run_id}/weights")
    names = [n for n, _ in weight_list]
    initial = [initial_values(rng, n, s) for n, s in weight_list]
    params = [torch.tensor(w.astype(np.float64), requires_grad=True) for w in initial]
    opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-7)
    xs = torch.tensor(x.astype(np.float64))
    ys = torch.tensor(y.astype(np.float64))
    losses = []
    for _ in range(epochs):
        for start in range(0, xs.shape[0], batch_size):
            xb, yb = xs[start : start + batch_size], ys[start : start + batch_size]
            opt.zero_grad()
            loss = ((forward(xb, params) - yb) ** 2).mean(dim=-1).mean()
            losses.append(encode_float32(loss.item()))
            loss.backward()
            opt.step()
    return {
        "id": run_id,
        "generator": GENERATOR,
        "notes": [*notes, INITIAL_NOTE, MODEL_NOTE, LOSS_NOTE, MSE_NOTE, ADAM_NOTE, FLOAT64_NOTE],
        "model": {"inputShape": input_shape, "layers": layers},
        "initialWeights": encode_weights(names, initial),
        "optimizer": {"name": "adam", "learningRate": lr, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7},
        "loss": "meanSquaredError",
        "batchSize": batch_size,
        "epochs": epochs,
        "shuffle": False,
        "x": encode_tensor(x, "float32", with_dtype=False),
        "y": encode_tensor(y, "float32", with_dtype=False),
        "stepLosses": losses,
        "finalWeights": encode_weights(names, [p.detach().numpy() for p in params]),
    }


SINE_COUNT, SINE_LENGTH = 64, 12


def sine_data():
    """layers-training.mjs's sineData, drawn from the same Rng('sine/data') stream."""
    rng = Rng("sine/data")
    x = np.zeros((SINE_COUNT, SINE_LENGTH, 1), dtype=np.float32)
    y = np.zeros((SINE_COUNT, 1), dtype=np.float32)
    for i in range(SINE_COUNT):
        phase = float(rng.uniform(0, 2 * math.pi))
        for t in range(SINE_LENGTH + 1):
            v = np.float32(math.sin(0.4 * t + phase) + float(rng.uniform(-0.1, 0.1)))
            if t < SINE_LENGTH:
                x[i, t, 0] = v
            else:
                y[i, 0] = v
    return x, y


def gru_reset_after():
    units = 8
    layers = [{"className": "GRU", "config": {"units": units}}, {"className": "Dense", "config": {"units": 1}}]
    weight_list = [("gru/kernel", [1, 3 * units]), ("gru/recurrent_kernel", [units, 3 * units]), ("gru/bias", [2, 3 * units]),
                   ("dense/kernel", [units, 1]), ("dense/bias", [1])]

    def forward(xb, p):
        h = K.gru(layers[0]["config"], xb, p[:3])[0]
        return h @ p[3] + p[4]

    x, y = sine_data()
    return train(
        "gru-reset-after-sine-adam",
        ["Data: the noisy sine windows of lstm-sine-adam.json (the same seeded draws). GRU with resetAfter true (Keras 3's "
         "default; bias [2, 3 units]: input bias, recurrent bias), each step PyTorch's nn.GRUCell with the gates reordered "
         "from Keras's z, r, h."],
        [SINE_LENGTH, 1], layers, weight_list, forward, x, y, 0.01, 16, 8,
    )


def transformer():
    n, t, d, heads, ff = 64, 8, 8, 2, 16
    rng = Rng("transformer/data")
    x = rng.uniform_array([n, t, d], -1, 1)
    y = np.array([[x[i, 0, 0] * x[i, t - 1, 1] + x[i, :, 2].astype(np.float64).mean()] for i in range(n)], dtype=np.float32)
    layers = [
        {"className": "TransformerEncoder", "config": {"intermediateDim": ff, "numHeads": heads}},
        {"className": "GlobalAveragePooling1D", "config": {}},
        {"className": "Dense", "config": {"units": 1}},
    ]
    weight_list = [(f"transformer_encoder/{name}", shape) for name, shape in K.transformer_weights(d, heads, ff)]
    weight_list += [("dense/kernel", [d, 1]), ("dense/bias", [1])]
    mask = torch.ones(1, t, t, dtype=torch.bool)

    def forward(xb, p):
        h = K.transformer_encoder(layers[0]["config"], xb, p[:16], mask.expand(xb.shape[0], t, t))
        return h.mean(dim=1) @ p[16] + p[17]

    return train(
        "transformer-adam",
        ["Data: x [64,8,8] uniform in [-1, 1) from Rng('transformer/data'); y[i] = float32(x[i,0,0] * x[i,7,1] + "
         "mean_t x[i,t,2]), shape [64,1]: the first and last timesteps interact, which attention can learn.",
         "TransformerEncoder is keras_hub's (see README.md): x = LayerNormalization(x + MultiHeadAttention(x, x)); "
         "x = LayerNormalization(x + Dense(8)(Dense(16, relu)(x))), dropout 0, layer norm epsilon 1e-5, key_dim 8 / 2 = 4."],
        [t, d], layers, weight_list, forward, x, y, 0.005, 16, 8,
    )


def training_runs():
    return [gru_reset_after, transformer]
