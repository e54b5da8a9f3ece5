"""The assistant's own checks: `rasa data validate` and `rasa test` story tests."""

from __future__ import annotations

import os
import subprocess

from stack import ROOT, Stack


def rasa(stack: Stack, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    env = {**stack.env, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    return subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "rasa"), *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )


def endpoints(stack: Stack):
    """The endpoints file the Rasa server of this stack reads (written when it started)."""
    from bot.config import Settings

    return Settings.from_env(stack.env).data_dir / "rasa-endpoints.yml"


def test_training_data_is_valid(stack: Stack) -> None:
    result = rasa(stack, "data", "validate", "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_story_tests_pass(stack: Stack, tmp_path) -> None:
    """Every conversation rule in tests/rasa/test_stories.yml, with the real action server."""
    result = rasa(
        stack, "test", "core", "--stories", "tests/rasa/test_stories.yml",
        "--endpoints", str(endpoints(stack)), "--model", "models", "--out", str(tmp_path),
        "--fail-on-prediction-errors",
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (result.stdout[-3000:] + result.stderr[-3000:] + details)
    assert os.path.exists(tmp_path / "story_report.json")
