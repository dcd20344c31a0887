"""Shared pieces of the PyTorch generator: the seeded PRNG, number formatting, JSON layout.

They reproduce random.mjs and encode.mjs exactly, so the PyTorch-made files have the same
format as the TF.js-made ones and a case's data depends only on its id in the same way:
Rng('some id') draws the same float32 values in Python as in JavaScript.
"""

import decimal
import os

import numpy as np

MASK32 = 0xFFFFFFFF


def hash_string(s):
    """FNV-1a, 32 bits, over UTF-16 code units (the ids are ASCII), as random.mjs's hashString."""
    h = 0x811C9DC5
    for ch in s:
        h ^= ord(ch)
        h = (h * 0x01000193) & MASK32
    return h


class Rng:
    """mulberry32 seeded by hash_string(name): the same stream as random.mjs's Rng."""

    def __init__(self, name):
        self.a = hash_string(name) if isinstance(name, str) else name & MASK32

    def next(self):
        # JavaScript's Math.imul, >>> and ^ act on 32-bit patterns; unsigned arithmetic modulo
        # 2^32 gives the same bits.
        self.a = (self.a + 0x6D2B79F5) & MASK32
        t = self.a
        t = ((t ^ (t >> 15)) * (t | 1)) & MASK32
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & MASK32)) & MASK32)) & MASK32
        return ((t ^ (t >> 14)) & MASK32) / 4294967296

    def uniform(self, lo, hi):
        """Uniform in [lo, hi), rounded to float32 (Math.fround of the double)."""
        return np.float32(lo + (hi - lo) * self.next())

    def int(self, lo, hi):
        return lo + int(np.floor((hi - lo) * self.next()))

    def uniform_array(self, shape, lo, hi):
        n = int(np.prod(shape)) if len(shape) else 1
        return np.array([self.uniform(lo, hi) for _ in range(n)], dtype=np.float32).reshape(shape)


def _js_number_string(x):
    """ECMAScript Number::toString of a double: shortest round-trip digits, JS's layout."""
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    digits_exp = repr(abs(x))  # Python's repr is the shortest round-trip form too
    d = decimal.Decimal(digits_exp)
    t = d.as_tuple()
    digits = "".join(str(v) for v in t.digits).rstrip("0") or "0"
    # value = 0.d1d2...dk * 10^n
    n = len(t.digits) + t.exponent
    k = len(digits)
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        s = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + s


def _to_precision(f, p):
    """JavaScript's Number.prototype.toPrecision(p) of a double, as a double (ties round up)."""
    with decimal.localcontext() as ctx:
        ctx.prec = p
        ctx.rounding = decimal.ROUND_HALF_UP
        return float(+decimal.Decimal(f))


def encode_float32(v):
    """encode.mjs's encodeFloat32: the fewest digits (at most 9) that parse back to the float32."""
    v = float(v)
    if np.isnan(v):
        return "NaN"
    if v == float("inf"):
        return "Infinity"
    if v == float("-inf"):
        return "-Infinity"
    f = float(np.float32(v))
    if f == 0:
        return 0
    for p in range(1, 10):
        n = _to_precision(f, p)
        if float(np.float32(n)) == f:
            return n
    raise ValueError(f"{v} has no 9-digit float32 form")


def encode_tensor(values, dtype="float32", with_dtype=True):
    """A tensor record { shape, dtype?, data }: float32 values encoded, int32 and bool as integers."""
    a = np.asarray(values)
    rec = {"shape": [int(d) for d in a.shape]}
    if with_dtype:
        rec["dtype"] = dtype
    flat = a.reshape(-1)
    if dtype == "float32":
        rec["data"] = [encode_float32(v) for v in flat]
    elif dtype == "int32":
        rec["data"] = [int(v) for v in flat]
    elif dtype == "bool":
        rec["data"] = [1 if v else 0 for v in flat]
    else:
        raise ValueError(f"encode_tensor: unsupported dtype {dtype}")
    return rec


def to_json(v):
    """JSON.stringify's compact form, with JavaScript's number layout."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        out = ['"']
        for ch in v:
            if ch == '"':
                out.append('\\"')
            elif ch == "\\":
                out.append("\\\\")
            elif ch == "\n":
                out.append("\\n")
            elif ord(ch) < 0x20:
                out.append("\\u%04x" % ord(ch))
            else:
                out.append(ch)
        out.append('"')
        return "".join(out)
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _js_number_string(float(v))
    if isinstance(v, dict):
        return "{" + ",".join(to_json(str(k)) + ":" + to_json(x) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(to_json(x) for x in v) + "]"
    raise TypeError(f"to_json: {type(v)}")


def stringify_with_list(obj, list_key):
    """encode.mjs's stringifyWithList: the list under list_key one element per line."""
    head = "".join(f"  {to_json(k)}: {to_json(v)},\n" for k, v in obj.items() if k != list_key)
    items = ",\n".join(f"  {to_json(item)}" for item in obj[list_key])
    return f"{{\n{head}  {to_json(list_key)}: [\n{items}\n  ]\n}}\n"


def stringify_top_level(obj):
    """encode.mjs's stringifyTopLevel: one top-level key per line."""
    lines = [f"  {to_json(k)}: {to_json(v)}" for k, v in obj.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write_atomic(path, text):
    """Writes beside the target, then renames: readers never see half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def keras_fans(shape):
    """Keras's compute_fans."""
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive
