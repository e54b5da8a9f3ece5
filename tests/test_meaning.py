"""The sentence embedding the judge reads (actions/minilm.py), in Rasa's own environment: equal to
Hugging Face's reference computation, and refused when its weights are not the published file."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from stack import ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
REFERENCE = ROOT / "tests" / "rasa" / "minilm_reference.json"


def run(code: str) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"}
    return subprocess.run([str(RASA_PYTHON), "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _vectors(exact: bool) -> list:
    result = run(
        "import json, sys\n"
        "from actions.minilm import MiniLM\n"
        f"ref = json.load(open({str(REFERENCE)!r}))\n"
        f"print(json.dumps(MiniLM(exact={exact}).encode(ref['sentences']).tolist()))\n")
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_exact_forward_pass_equals_hugging_face() -> None:
    """Every number within 1e-5 of transformers + PyTorch on the same four sentences (one with a
    story around its question): a wrong transpose or pooling step would be far off."""
    got, want = _vectors(exact=True), json.loads(REFERENCE.read_text())["vectors"]
    assert len(got) == len(want) == 4
    worst = max(abs(g - w) for gv, wv in zip(got, want) for g, w in zip(gv, wv))
    assert worst < 1e-5, worst


def test_the_8_bit_encoder_the_assistant_runs_stays_near_hugging_face() -> None:
    """The 8-bit products (the default, what the assistant runs) move each reference embedding by
    little (cosine >= 0.98); a wrong scale or zero point in `quantize` would send it far off."""
    got, want = _vectors(exact=False), json.loads(REFERENCE.read_text())["vectors"]
    cosines = [sum(g * w for g, w in zip(gv, wv)) for gv, wv in zip(got, want)]
    assert len(cosines) == 4 and min(cosines) >= 0.98, cosines
    assert max(cosines) < 1 - 1e-6, cosines  # 8-bit indeed, not the exact products


def test_weights_that_are_not_the_published_file_are_refused(tmp_path: Path) -> None:
    """One changed byte in model.safetensors: the encoder will not load (no silent use of
    tampered or corrupted weights)."""
    source = Path(run("from actions.minilm import model_directory; print(model_directory())")
                  .stdout.strip().splitlines()[-1])
    copy = tmp_path / "model"
    shutil.copytree(source, copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    result = run(f"from pathlib import Path\nfrom actions.minilm import MiniLM\nMiniLM(Path({str(copy)!r}))")
    assert result.returncode != 0
    assert "is not all-MiniLM-L6-v2's published file" in result.stderr
