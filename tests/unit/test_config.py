"""Settings: every bad value is named at start-up; nothing here needs the stack."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ROOT, ConfigError, Environment, Settings


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A minimal environment: its own data folder, an external Redis (no secret for it)."""
    return {"FRONTDESK_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:1/0"}


def refusal(env: dict[str, str], **bad: str) -> str:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({**env, **bad})
    return str(refused.value)


def test_defaults_and_derived_values(env: dict[str, str], tmp_path: Path) -> None:
    settings = Settings.from_env(env)
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.auto_assign is True and settings.smtp_starttls is False
    assert settings.agent_grace == 30.0 and settings.max_message_chars == 2000
    assert settings.attachment_dir == tmp_path / "attachments"
    assert settings.attachment_types == ("png", "jpeg", "gif", "webp", "pdf")
    assert settings.allowed_origins == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert not settings.embedded_redis and settings.redis_url == env["REDIS_URL"]
    assert settings.secret_key == (tmp_path / "secret-key").read_text().strip()
    assert settings.business_hours == settings.site.hours  # the pack's


def test_values_as_written(env: dict[str, str]) -> None:
    settings = Settings.from_env({
        **env, "FRONTDESK_PORT": "9000", "FRONTDESK_PUBLIC_URL": "https://chat.example/",
        "ALLOWED_ORIGINS": "https://a.example/, https://b.example", "AUTO_ASSIGN": "No",
        "SMTP_STARTTLS": "YES", "AGENT_GRACE": " 2.5 ", "ATTACHMENT_TYPES": "png, PDF",
        "FORWARDED_HEADER": "x-real-ip", "TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8",
        "BUSINESS_HOURS": "Mon-Fri 09:00-17:00", "BUSINESS_TIMEZONE": "UTC",
        "LOG_LEVEL": "warning", "VISITOR_RATE": "",  # empty: the default
    })
    assert settings.public_url == "https://chat.example"
    assert settings.allowed_origins == ["https://chat.example", "http://127.0.0.1:9000",
                                        "http://localhost:9000", "https://a.example",
                                        "https://b.example"]
    assert settings.auto_assign is False and settings.smtp_starttls is True
    assert settings.agent_grace == 2.5 and settings.visitor_rate == 20
    assert settings.attachment_types == ("png", "pdf")
    assert settings.forwarded_header == "X-Real-IP" and len(settings.trusted_proxies) == 2
    assert (settings.business_hours, settings.business_timezone) == ("Mon-Fri 09:00-17:00", "UTC")
    assert settings.log_level == "WARNING"


def test_empty_business_hours_means_always_open(env: dict[str, str]) -> None:
    assert Settings.from_env({**env, "BUSINESS_HOURS": ""}).business_hours == ""


def test_only_the_given_mapping_is_read(env: dict[str, str], monkeypatch) -> None:
    monkeypatch.setenv("AGENT_GRACE", "abc")
    assert Settings.from_env(env).agent_grace == 30.0
    monkeypatch.setenv("FRONTDESK_DATA_DIR", env["FRONTDESK_DATA_DIR"])
    monkeypatch.setenv("REDIS_URL", env["REDIS_URL"])
    assert "AGENT_GRACE" in refusal_of_process_env()


def refusal_of_process_env() -> str:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env()
    return str(refused.value)


@pytest.mark.parametrize(("bad", "said"), [
    ({"AGENT_GRACE": "abc"}, 'AGENT_GRACE: input should be a valid number, got "abc"'),
    ({"FRONTDESK_PORT": "eighty"}, 'FRONTDESK_PORT: input should be a valid integer, got "eighty"'),
    ({"FRONTDESK_PORT": "70000"}, "FRONTDESK_PORT: input should be less than or equal to 65535"),
    ({"VISITOR_RATE": "-1"}, "VISITOR_RATE: input should be greater than or equal to 0"),
    ({"RASA_WORKERS": "0"}, "RASA_WORKERS: input should be greater than or equal to 1"),
    ({"REMIND_EVERY": "nan"}, "REMIND_EVERY: input should be a finite number"),
    ({"AUTO_ASSIGN": "ture"}, 'AUTO_ASSIGN: should be true or false (or 1/0, yes/no), got "ture"'),
    ({"SMTP_STARTTLS": "on"}, "SMTP_STARTTLS: should be true or false"),
    ({"BUSINESS_HOURS": "Mo 9-5"}, "BUSINESS_HOURS: cannot read 'Mo 9-5'"),
    ({"BUSINESS_HOURS": "Mon 25:00-26:00"}, "BUSINESS_HOURS: cannot read 'Mon 25:00-26:00'"),
    ({"BUSINESS_TIMEZONE": "Mars/Olympus"}, "BUSINESS_TIMEZONE: no such time zone"),
    ({"FORWARDED_HEADER": "X-Client"}, "FORWARDED_HEADER: should be one of X-Forwarded-For"),
    ({"TRUSTED_PROXIES": "10.0.0.0/8, proxy"}, "TRUSTED_PROXIES: 'proxy' is not an address"),
    ({"ATTACHMENT_TYPES": "png,svg"}, "ATTACHMENT_TYPES: should be some of png,jpeg,gif,webp,pdf, not svg"),
    ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL: should be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
    ({"SITE": "no-such-pack"}, "SITE: no pack 'no-such-pack'"),
])
def test_a_bad_value_is_named(env: dict[str, str], bad: dict[str, str], said: str) -> None:
    assert said in refusal(env, **bad)


def test_every_bad_value_is_named_at_once(env: dict[str, str]) -> None:
    lines = refusal(env, AGENT_GRACE="abc", AUTO_ASSIGN="ture", SMTP_PORT="x").splitlines()
    assert sorted(line.split(":")[0] for line in lines) == ["AGENT_GRACE", "AUTO_ASSIGN",
                                                            "SMTP_PORT"]


def test_names_are_read_in_any_case(env: dict[str, str]) -> None:
    assert Settings.from_env({**env, "agent_grace": "7"}).agent_grace == 7.0


def test_python_m_bot_with_a_bad_setting_exits_2_without_a_traceback(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "FRONTDESK_DATA_DIR": str(tmp_path), "AGENT_GRACE": "abc",
           "AUTO_ASSIGN": "ture"}
    done = subprocess.run([sys.executable, "-m", "bot", "prepare"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert 'AGENT_GRACE: input should be a valid number, got "abc"' in done.stderr
    assert "AUTO_ASSIGN: should be true or false" in done.stderr
    assert "Traceback" not in done.stderr and not done.stdout


def test_every_variable_is_in_the_readme() -> None:
    """README.md's table is where operators look; a variable it does not name is unknown."""
    readme = (ROOT / "README.md").read_text()
    assert [name.upper() for name in Environment.model_fields
            if not re.search(rf"\b{name.upper()}\b", readme)] == []
