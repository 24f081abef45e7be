"""A setting that is not valid, as the operator meets it: every `soko` command, a real process
(`python -m bot.cli …`), prints one line per invalid setting naming it and what it must be —
never its value, which may be a secret — and exits with status 2, without a traceback and
before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.operator_env import operator_env
from tests.e2e.soko_process import soko as run_soko

COMMANDS = [
    ["run", "--port", "0"],
    ["web", "--port", "0"],
    ["scheduler"],
    ["chat"],
    ["demo", "--no-chat"],
    ["db", "upgrade"],
    ["db", "current"],
    ["admin", "roles", "list"],
    ["admin", "payouts"],
    ["admin", "jobs"],
    ["whatsapp", "templates", "sync"],
    ["photo", "check", "nothing.jpg"],
]


def soko(tmp_path: Path, args: list[str], **settings: str) -> tuple[int, list[str]]:
    """Exit status and stderr lines of `soko ARGS` with these settings (and a fresh,
    separate database and media folder)."""
    fresh = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shop' / 'soko.db'}",
        "MEDIA_DIR": str(tmp_path / "shop" / "media"),
    }
    shop = operator_env(tmp_path, **(fresh | settings))
    done = run_soko(shop, *args)
    return done.returncode, done.stderr.splitlines()


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_names_the_invalid_setting_in_one_line(
    tmp_path: Path, args: list[str]
) -> None:
    status, lines = soko(tmp_path, args, DEFAULT_LOCALE="fr")

    assert (status, lines) == (2, ["soko: DEFAULT_LOCALE: must be one of: en, sw"])
    assert not (tmp_path / "shop").exists()


def test_each_invalid_setting_has_its_line(tmp_path: Path) -> None:
    status, lines = soko(
        tmp_path,
        ["admin", "roles", "list"],
        DEFAULT_LOCALE="fr",
        STORE_CURRENCY="dollars",
        PRICING_MARKUP_BPS="lots",
    )

    assert status == 2
    assert lines == [
        "soko: DEFAULT_LOCALE: must be one of: en, sw",
        "soko: STORE_CURRENCY: must be a currency code such as USD or KES (ISO 4217)",
        "soko: PRICING_MARKUP_BPS: input should be a valid integer, unable to parse string as"
        " an integer",
    ]


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        (
            "TELEGRAM_WEBHOOK_SECRET",
            "my secret!",
            "soko: TELEGRAM_WEBHOOK_SECRET: must be 16 to 256 letters, digits, _ or - (make one"
            " with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')",
        ),
        (
            "DATABASE_URL",
            "mysql://soko:hunter2-password@db/soko",
            "soko: DATABASE_URL: must be sqlite:///PATH or"
            " postgresql+psycopg://USER:PASSWORD@HOST/NAME",
        ),
        (
            "ARTISAN_TIMEZONE",
            "Nairobi",
            "soko: ARTISAN_TIMEZONE: must be a time zone name such as Africa/Nairobi",
        ),
        (
            "FX_RATES",
            "KES/USD:0.0077",
            "soko: FX_RATES: must be PAIR=RATE items separated by commas, such as"
            " KES/USD=0.0077,KES/EUR=0.0071",
        ),
        ("FX_RATES", "KES/USD=abc", "soko: FX_RATES: the rate of KES/USD must be a number above 0"),
        (
            "PRICING_MARKUP_BPS",
            "-5",
            "soko: PRICING_MARKUP_BPS: input should be greater than or equal to 0",
        ),
        (
            "MENTOR_COMMISSION_BPS",
            "4000",
            "soko: MENTOR_COMMISSION_BPS: must be less than PRICING_MARKUP_BPS (4000)",
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and value.isupper() else "",
)
def test_the_line_says_what_the_setting_must_be(
    tmp_path: Path, setting: str, value: str, line: str
) -> None:
    status, lines = soko(tmp_path, ["admin", "roles", "list"], **{setting: value})

    assert (status, lines) == (2, [line])


def test_mpesa_needs_an_https_address_daraja_can_reach(tmp_path: Path) -> None:
    status, lines = soko(
        tmp_path,
        ["admin", "roles", "list"],
        PUBLIC_BASE_URL="http://shop.example.org",
        MPESA_CONSUMER_KEY="daraja-key",
        MPESA_CONSUMER_SECRET="daraja-secret",
        MPESA_SHORTCODE="174379",
        MPESA_PASSKEY="daraja-passkey",
        MPESA_CALLBACK_TOKEN="t" * 40,
    )

    assert (status, lines) == (
        2,
        [
            "soko: PUBLIC_BASE_URL: must be an https:// address Safaricom can reach when M-Pesa"
            " is on (Daraja posts payment results there; http only for a local test address)"
        ],
    )


def test_a_partial_mpesa_set_names_what_is_missing(tmp_path: Path) -> None:
    key = "daraja-key-without-its-secret"
    status, lines = soko(tmp_path, ["admin", "roles", "list"], MPESA_CONSUMER_KEY=key)

    assert status == 2
    assert lines == [
        "soko: MPESA_CONSUMER_SECRET: needed with MPESA_CONSUMER_KEY (both are on the Daraja"
        " app's page)",
        "soko: MPESA_SHORTCODE: needed with MPESA_CONSUMER_KEY (the paybill or till number,"
        " digits)",
        "soko: MPESA_PASSKEY: needed with MPESA_SHORTCODE (Safaricom sends it with the shortcode)",
        "soko: MPESA_CALLBACK_TOKEN: needed with MPESA_CONSUMER_KEY: the secret in the addresses"
        " Daraja posts to (make one with: python3 -c 'import secrets;"
        " print(secrets.token_urlsafe(32))')",
    ]


def test_a_secret_never_shows(tmp_path: Path) -> None:
    secret, password = "not a secret telegram takes!", "hunter2-password"
    status, lines = soko(
        tmp_path,
        ["run", "--port", "0"],
        TELEGRAM_WEBHOOK_SECRET=secret,
        DATABASE_URL=f"mysql://soko:{password}@db/soko",
    )

    assert status == 2
    assert [line.split(":")[1] for line in lines] == [" DATABASE_URL", " TELEGRAM_WEBHOOK_SECRET"]
    assert not any(secret in line or password in line for line in lines)


def test_soko_web_on_postgresql_refuses_a_media_folder_not_said_to_be_shared(
    tmp_path: Path,
) -> None:
    """Before it connects to anything: nothing listens at this address."""
    status, lines = soko(
        tmp_path, ["web", "--port", "0"], DATABASE_URL="postgresql+psycopg://soko@127.0.0.1:9/soko"
    )

    assert (status, lines) == (
        2,
        [
            "soko: MEDIA_DIR_SHARED: soko web on PostgreSQL with MEDIA_STORE=local needs"
            " MEDIA_DIR_SHARED=true, saying MEDIA_DIR is one folder every worker and the"
            " scheduler share (one machine, or a network mount); else use MEDIA_STORE=s3"
        ],
    )
    assert not (tmp_path / "shop").exists()
