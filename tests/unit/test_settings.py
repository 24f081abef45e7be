"""Settings: every field is documented in .env.example, and env values parse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_names_every_setting_and_nothing_else() -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z0-9_]+)=", text, flags=re.MULTILINE))
    fields = {name.upper() for name in Settings.model_fields}
    assert documented == fields


def test_env_example_values_load(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / ".env.example").read_text()
    for name, value in re.findall(r"^([A-Z0-9_]+)=(.*)$", text, flags=re.MULTILINE):
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.store_currency == "USD"
    assert settings.fx_rates["KES/USD"] == "0.0077"
    assert settings.admin_phones == []


def test_lists_and_rates_parse_from_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_PHONES", "+254700000001, +254700000002")
    monkeypatch.setenv("FX_RATES", "kes/eur=0.007")
    monkeypatch.setenv("STORE_CURRENCY", "eur")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_phones == ["+254700000001", "+254700000002"]
    assert settings.fx_rates == {"KES/EUR": "0.007"}
    assert settings.store_currency == "EUR"


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "SECRET-TOKEN" not in repr(settings)
    assert settings.telegram_bot_token.get_secret_value() == "123456:SECRET-TOKEN"


def test_default_locale_is_one_we_have(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "sw-KE")
    assert Settings(_env_file=None).default_locale == "sw"  # type: ignore[call-arg]
    monkeypatch.setenv("DEFAULT_LOCALE", "swahili")
    with pytest.raises(ValueError, match="must be one of: en, sw"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_the_demo_card_is_off_unless_turned_on(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).payments_demo is False  # type: ignore[call-arg]
    monkeypatch.setenv("PAYMENTS_DEMO", "true")
    assert Settings(_env_file=None).payments_demo is True  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "secret", ["has space", "dots.are.not.allowed", "ü" * 16, "x" * 257, "a", "guessable-15chr"]
)
def test_a_telegram_webhook_secret_telegram_would_refuse_is_not_valid(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    with pytest.raises(ValueError, match="16 to 256 letters, digits, _ or -") as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert [error["loc"] for error in refused.value.errors()] == [  # type: ignore[attr-defined]
        ("telegram_webhook_secret",)
    ]


@pytest.mark.parametrize("secret", ["", "a" * 16, "Az09_-" * 42 + "abcd"])
def test_an_empty_or_well_formed_webhook_secret_is_valid(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", secret)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.telegram_webhook_secret.get_secret_value() == secret
