"""Settings: every field is documented in .env.example, and env values parse."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import (
    MAKE_A_SECRET,
    InvalidSettings,
    MediaStoreKind,
    Settings,
    for_web_workers,
    load_settings,
    pool_settings,
)
from store.db import PoolSettings

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


# --- M-Pesa (Daraja), issue 21 -----------------------------------------------------------

CALLBACK_TOKEN = "c" * 32


def test_mpesa_is_off_and_points_at_the_sandbox_by_default() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.mpesa_consumer_key.get_secret_value() == ""
    assert settings.mpesa_api_base_url == "https://sandbox.safaricom.co.ke"
    assert settings.mpesa_auto_payouts is False


def test_mpesa_production_has_its_own_address_unless_one_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MPESA_ENV", "production")
    assert Settings(_env_file=None).mpesa_api_base_url == (  # type: ignore[call-arg]
        "https://api.safaricom.co.ke"
    )
    monkeypatch.setenv("MPESA_API_BASE_URL", "http://127.0.0.1:9999/")
    assert Settings(_env_file=None).mpesa_api_base_url == (  # type: ignore[call-arg]
        "http://127.0.0.1:9999"
    )


def mpesa_problems(monkeypatch: pytest.MonkeyPatch, **values: str) -> list[str]:
    from bot.settings import InvalidSettings, load_settings

    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(InvalidSettings) as refused:
        load_settings(_env_file=None)
    return refused.value.problems


def test_a_consumer_key_without_its_secret_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mpesa_problems(
        monkeypatch,
        MPESA_CONSUMER_KEY="key-123456",
        MPESA_SHORTCODE="174379",
        MPESA_PASSKEY="pass-key-1",
        MPESA_CALLBACK_TOKEN=CALLBACK_TOKEN,
    ) == [
        "MPESA_CONSUMER_SECRET: needed with MPESA_CONSUMER_KEY (both are on the Daraja app's page)"
    ]


def test_a_consumer_secret_without_its_key_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = mpesa_problems(monkeypatch, MPESA_CONSUMER_SECRET="secret-very-1")
    assert problems == [
        "MPESA_CONSUMER_SECRET: set without MPESA_CONSUMER_KEY: set both (both are on the"
        " Daraja app's page)"
    ]


def test_keys_without_a_shortcode_and_passkey_name_them(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = mpesa_problems(
        monkeypatch,
        MPESA_CONSUMER_KEY="key-123456",
        MPESA_CONSUMER_SECRET="secret-very-1",
        MPESA_CALLBACK_TOKEN=CALLBACK_TOKEN,
    )
    assert problems == [
        "MPESA_SHORTCODE: needed with MPESA_CONSUMER_KEY (the paybill or till number, digits)",
        "MPESA_PASSKEY: needed with MPESA_SHORTCODE (Safaricom sends it with the shortcode)",
    ]


def test_a_shortcode_without_its_passkey_and_one_not_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert mpesa_problems(monkeypatch, MPESA_SHORTCODE="174379") == [
        "MPESA_PASSKEY: needed with MPESA_SHORTCODE (Safaricom sends it with the shortcode)"
    ]
    assert mpesa_problems(monkeypatch, MPESA_SHORTCODE="17 43", MPESA_PASSKEY="pass-1") == [
        "MPESA_SHORTCODE: must be the paybill or till number: 5 to 7 digits"
    ]


def test_a_till_needs_its_till_number_and_shortcodes_are_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = {
        "MPESA_CONSUMER_KEY": "key-123456",
        "MPESA_CONSUMER_SECRET": "secret-very-1",
        "MPESA_SHORTCODE": "174379",
        "MPESA_PASSKEY": "pass-key-1",
        "MPESA_CALLBACK_TOKEN": CALLBACK_TOKEN,
        "MPESA_TRANSACTION_TYPE": "CustomerBuyGoodsOnline",
    }
    assert mpesa_problems(monkeypatch, **keys) == [
        "MPESA_TILL_NUMBER: needed with MPESA_TRANSACTION_TYPE=CustomerBuyGoodsOnline (the till"
        " paid; MPESA_SHORTCODE is the store number)"
    ]
    assert mpesa_problems(
        monkeypatch, **keys, MPESA_TILL_NUMBER="51 23", MPESA_B2C_SHORTCODE="600x"
    ) == [
        "MPESA_TILL_NUMBER: must be the till number: 5 to 7 digits",
        "MPESA_B2C_SHORTCODE: must be the B2C shortcode: 5 to 7 digits",
    ]


def test_the_till_and_b2c_shortcode_reach_the_daraja_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.mpesa_wiring import daraja_config

    for name, value in {
        "MPESA_TRANSACTION_TYPE": "CustomerBuyGoodsOnline",
        "MPESA_SHORTCODE": "174379",
        "MPESA_PASSKEY": "pass-key-1",
        "MPESA_TILL_NUMBER": "5123456",
    }.items():
        monkeypatch.setenv(name, value)
    config = daraja_config(Settings(_env_file=None))  # type: ignore[call-arg]
    # No B2C shortcode of its own: payouts come from the store number.
    assert (config.shortcode, config.till_number, config.b2c_shortcode) == (
        "174379",
        "5123456",
        "174379",
    )
    monkeypatch.setenv("MPESA_B2C_SHORTCODE", "600999")
    assert daraja_config(Settings(_env_file=None)).b2c_shortcode == "600999"  # type: ignore[call-arg]


@pytest.mark.parametrize("token", ["short", "x" * 31, "has space" * 4, "a/b" * 11])
def test_a_callback_token_that_is_short_or_not_url_safe_is_refused(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    problems = mpesa_problems(monkeypatch, MPESA_CALLBACK_TOKEN=token)
    assert problems == [
        "MPESA_CALLBACK_TOKEN: must be 32 to 256 letters, digits, _ or - (make one with:"
        " python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    ]
    assert token not in problems[0]


def test_an_initiator_needs_its_password_and_the_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert mpesa_problems(monkeypatch, MPESA_INITIATOR_NAME="soko_api") == [
        "MPESA_INITIATOR_PASSWORD: needed with MPESA_INITIATOR_NAME (B2C payouts)",
        "MPESA_CERT_FILE: needed with MPESA_INITIATOR_NAME (Safaricom's public certificate,"
        " to encrypt the initiator password)",
    ]


def test_a_cert_file_that_is_no_certificate_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    junk = tmp_path / "cert.cer"
    junk.write_text("not a certificate")
    problems = mpesa_problems(
        monkeypatch,
        MPESA_INITIATOR_NAME="soko_api",
        MPESA_INITIATOR_PASSWORD="initiator-pw",
        MPESA_CERT_FILE=str(junk),
    )
    assert problems == [
        "MPESA_CERT_FILE: must be a readable X.509 certificate (PEM or DER), such as"
        " Safaricom's ProductionCertificate.cer"
    ]
    assert mpesa_problems(monkeypatch, MPESA_CERT_FILE=str(tmp_path / "missing.cer")) == [
        "MPESA_CERT_FILE: must be a readable X.509 certificate (PEM or DER), such as"
        " Safaricom's ProductionCertificate.cer"
    ]


def test_mpesa_on_needs_its_callback_token(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = mpesa_problems(
        monkeypatch,
        MPESA_CONSUMER_KEY="key-123456",
        MPESA_CONSUMER_SECRET="secret-very-1",
        MPESA_SHORTCODE="174379",
        MPESA_PASSKEY="pass-key-1",
    )
    assert problems == [
        "MPESA_CALLBACK_TOKEN: needed with MPESA_CONSUMER_KEY: the secret in the addresses"
        f" Daraja posts to (make one with: {MAKE_A_SECRET})"
    ]


@pytest.mark.parametrize("base", ["http://shop.example.com", "ftp://shop.example.com"])
def test_mpesa_on_needs_an_https_address_daraja_can_reach(
    monkeypatch: pytest.MonkeyPatch, base: str
) -> None:
    problems = mpesa_problems(
        monkeypatch,
        PUBLIC_BASE_URL=base,
        MPESA_CONSUMER_KEY="key-123456",
        MPESA_CONSUMER_SECRET="secret-very-1",
        MPESA_SHORTCODE="174379",
        MPESA_PASSKEY="pass-key-1",
        MPESA_CALLBACK_TOKEN=CALLBACK_TOKEN,
    )
    assert problems == [
        "PUBLIC_BASE_URL: must be an https:// address Safaricom can reach when M-Pesa is on"
        " (Daraja posts payment results there; http only for a local test address)"
    ]


@pytest.mark.parametrize("base", ["https://shop.example.com", "http://127.0.0.1:8000"])
def test_mpesa_takes_https_or_a_local_test_address(
    monkeypatch: pytest.MonkeyPatch, base: str
) -> None:
    for name, value in {
        "PUBLIC_BASE_URL": base,
        "MPESA_CONSUMER_KEY": "key-123456",
        "MPESA_CONSUMER_SECRET": "secret-very-1",
        "MPESA_SHORTCODE": "174379",
        "MPESA_PASSKEY": "pass-key-1",
        "MPESA_CALLBACK_TOKEN": CALLBACK_TOKEN,
    }.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).public_base_url == base  # type: ignore[call-arg]


def test_a_full_mpesa_set_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.fakes.daraja_api import make_certificate

    cert, _key = make_certificate()
    cert_file = tmp_path / "cert.cer"
    cert_file.write_bytes(cert)
    for name, value in {
        "MPESA_ENV": "production",
        "MPESA_CONSUMER_KEY": "key-123456",
        "MPESA_CONSUMER_SECRET": "secret-very-1",
        "MPESA_SHORTCODE": "174379",
        "MPESA_PASSKEY": "pass-key-1",
        "MPESA_TRANSACTION_TYPE": "CustomerBuyGoodsOnline",
        "MPESA_INITIATOR_NAME": "soko_api",
        "MPESA_INITIATOR_PASSWORD": "initiator-pw",
        "MPESA_CERT_FILE": str(cert_file),
        "MPESA_CALLBACK_TOKEN": CALLBACK_TOKEN,
        "MPESA_PAYOUT_MIN_MINOR": "5000",
        "MPESA_AUTO_PAYOUTS": "true",
        "MPESA_TILL_NUMBER": "5123456",
        "MPESA_B2C_SHORTCODE": "600999",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.mpesa_transaction_type == "CustomerBuyGoodsOnline"
    assert (settings.mpesa_till_number, settings.mpesa_b2c_shortcode) == ("5123456", "600999")
    assert settings.mpesa_cert_file == cert_file
    assert settings.mpesa_payout_min_minor == 5000
    assert settings.mpesa_auto_payouts is True
    assert "secret-very-1" not in repr(settings)


def test_a_store_currency_the_zones_have_no_fee_in_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problems = mpesa_problems(monkeypatch, STORE_CURRENCY="GBP", FX_RATES="KES/GBP=0.006")
    assert problems == ["SHIPPING_ZONES_FILE: shipping zone 'kenya' has no fee in GBP"]


def test_a_zones_file_with_the_store_currency_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bot.settings import load_settings

    zones = tmp_path / "zones.toml"
    zones.write_text(
        '[[zone]]\ncode = "all"\nname = { en = "Everywhere" }\ncountries = "rest"\n'
        'parcel = { GBP = "9", KES = "1500" }\nextra_piece = { GBP = "2", KES = "300" }\n'
        "delivery_days = [3, 12]\nauto_delivered_after_days = 20\n"
    )
    monkeypatch.setenv("STORE_CURRENCY", "GBP")
    monkeypatch.setenv("FX_RATES", "KES/GBP=0.006")
    monkeypatch.setenv("SHIPPING_ZONES_FILE", str(zones))
    assert load_settings(_env_file=None).shipping_zones_file == zones


POSTGRES = "postgresql+psycopg://soko@db.internal/soko"
SHARED_MEDIA_LINE = (
    "MEDIA_DIR_SHARED: soko web on PostgreSQL with MEDIA_STORE=local needs MEDIA_DIR_SHARED=true,"
    " saying MEDIA_DIR is one folder every worker and the scheduler share (one machine, or a"
    " network mount); else use MEDIA_STORE=s3"
)


def test_web_workers_on_postgresql_refuse_a_local_folder_not_said_to_be_shared() -> None:
    with pytest.raises(InvalidSettings) as refused:
        for_web_workers(Settings(_env_file=None, database_url=POSTGRES))  # type: ignore[call-arg]
    assert refused.value.problems == [SHARED_MEDIA_LINE]


@pytest.mark.parametrize(
    "settings",
    [
        {"database_url": POSTGRES, "media_dir_shared": True},
        {"database_url": POSTGRES, "media_store": MediaStoreKind.S3, "s3_bucket": "photos"},
        {"database_url": "sqlite:///var/soko.db"},  # one file, one machine, one folder
    ],
    ids=["said shared", "s3", "sqlite"],
)
def test_web_workers_take_s3_a_shared_folder_or_one_machine(settings: dict[str, object]) -> None:
    given = Settings(_env_file=None, **settings)  # type: ignore[call-arg, arg-type]
    assert for_web_workers(given) is given


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE: input should be greater than or equal to 1"),
        ("DB_MAX_OVERFLOW", "-1", "DB_MAX_OVERFLOW: input should be greater than or equal to 0"),
        ("DB_POOL_TIMEOUT_SECONDS", "0", "DB_POOL_TIMEOUT_SECONDS: input should be greater than 0"),
        (
            "DB_STATEMENT_TIMEOUT_MS",
            "-1",
            "DB_STATEMENT_TIMEOUT_MS: input should be greater than or equal to 0",
        ),
        (
            "TELEGRAM_WEBHOOK_MAX_CONNECTIONS",
            "101",
            "TELEGRAM_WEBHOOK_MAX_CONNECTIONS: input should be less than or equal to 100",
        ),
    ],
)
def test_pool_and_webhook_bounds_are_named(
    monkeypatch: pytest.MonkeyPatch, setting: str, value: str, line: str
) -> None:
    monkeypatch.setenv(setting, value)
    with pytest.raises(InvalidSettings) as refused:
        load_settings(_env_file=None)
    assert refused.value.problems == [line]


def test_the_pool_is_what_the_settings_say(monkeypatch: pytest.MonkeyPatch) -> None:
    assert pool_settings(Settings(_env_file=None)) == PoolSettings(5, 5, 10.0, 0)  # type: ignore[call-arg]
    for name, value in [
        ("DB_POOL_SIZE", "3"),
        ("DB_MAX_OVERFLOW", "2"),
        ("DB_POOL_TIMEOUT_SECONDS", "1.5"),
        ("DB_STATEMENT_TIMEOUT_MS", "30000"),
    ]:
        monkeypatch.setenv(name, value)
    assert pool_settings(Settings(_env_file=None)) == PoolSettings(3, 2, 1.5, 30000)  # type: ignore[call-arg]


def test_telegram_s_own_api_keeps_its_window_per_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    """A window shorter than Telegram's limit would get the bot 429s, pausing every chat:
    only a Telegram that is not Telegram's own (the tests' fake) may take less."""
    monkeypatch.setenv("TELEGRAM_CHAT_WINDOW_SECONDS", "0.1")
    with pytest.raises(InvalidSettings) as refused:
        load_settings(_env_file=None)
    assert refused.value.problems == [
        "TELEGRAM_CHAT_WINDOW_SECONDS: at least 3 on Telegram's own API (api.telegram.org): "
        "a shorter window gets the bot refused with 429, pausing every chat"
    ]
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081")
    assert load_settings(_env_file=None).telegram_chat_window_seconds == 0.1
    monkeypatch.delenv("TELEGRAM_API_BASE_URL")
    monkeypatch.setenv("TELEGRAM_CHAT_WINDOW_SECONDS", "5")
    assert load_settings(_env_file=None).telegram_chat_window_seconds == 5
