"""Typed settings, read once from the environment (and `.env`).

Tests construct `Settings(...)` directly; nothing else reads `os.environ`. A value that is not
valid makes `load_settings` raise `InvalidSettings`: one line per setting, naming it and what
it must be, never the value (it may be a secret, or a URL with a password in it); `bot.cli`
prints them and exits with status 2.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.log_redaction import keep_secrets_out_of_logs
from conversations.hub_rules import DEFAULT_HOURS, FulfilmentMode, parse_hours
from conversations.i18n import SUPPORTED_LOCALES, supported_language
from store.db import SUPPORTED_BACKENDS, PoolSettings
from store.errors import UnknownCurrency
from store.money import currency_exponent
from store.services.payout_release import ReleaseOn
from store.shipping_zones import KES, ShippingZonesError
from store.shipping_zones import load as load_shipping_zones
from store.vocabulary import VocabularyError
from store.vocabulary import load as load_vocabulary

# What Telegram accepts as a webhook's secret_token, and how an operator makes one.
WEBHOOK_SECRET_CHARACTERS = re.compile(r"[A-Za-z0-9_-]{16,256}")
WEBHOOK_SECRET_RULE = "16 to 256 letters, digits, _ or -"  # noqa: S105 (a rule, not a secret)
MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105
# Telegram's own API, and the least window per chat (3 messages) it takes without a 429.
TELEGRAM_API_HOST = "api.telegram.org"
TELEGRAM_CHAT_WINDOW = 3.0


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class MediaStoreKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class MpesaEnv(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


class MpesaTransactionType(StrEnum):
    PAYBILL = "CustomerPayBillOnline"
    BUY_GOODS = "CustomerBuyGoodsOnline"


MPESA_API_BASE_URLS = {
    MpesaEnv.SANDBOX: "https://sandbox.safaricom.co.ke",
    MpesaEnv.PRODUCTION: "https://api.safaricom.co.ke",
}
# Daraja's callbacks carry it in their path: long enough not to be guessed, and URL-safe.
MPESA_CALLBACK_TOKEN_CHARACTERS = re.compile(r"[A-Za-z0-9_-]{32,256}")
MPESA_SHORTCODE_DIGITS = re.compile(r"[0-9]{5,7}")
_DARAJA_KEYS = "both are on the Daraja app's page"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_url: str = "sqlite:///var/soko.db"
    # PostgreSQL: each process's connection pool (docs/operations.md, the connection budget)
    # and a statement timeout (0: none).
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=5, ge=0)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_statement_timeout_ms: int = Field(default=0, ge=0)
    media_dir: Path = Path("var/media")
    # MEDIA_DIR is one folder every `soko web` worker and the scheduler see (one machine, or a
    # network mount): `soko web` on PostgreSQL with MEDIA_STORE=local refuses to start without.
    media_dir_shared: bool = False
    media_store: MediaStoreKind = MediaStoreKind.LOCAL
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr = SecretStr("")
    s3_secret_access_key: SecretStr = SecretStr("")
    public_base_url: str = "http://localhost:8000"
    # The web chat emulator (/emulator): anyone who reaches it can chat as anyone, so it is
    # for demos and local development only; `soko demo` turns it on for its own shop.
    web_emulator: bool = False
    # Host names the web app answers besides PUBLIC_BASE_URL's (a proxy that sends its own).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # When set, GET /metrics needs "Authorization: Bearer <this>".
    metrics_token: SecretStr = SecretStr("")

    telegram_bot_token: SecretStr = SecretStr("")
    # The bot's @username, for links into the Telegram chat from the web pages (`soko run`
    # also learns it from Telegram itself for the links it sends in the chat).
    telegram_bot_username: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_mode: TelegramMode = TelegramMode.POLLING
    # Required in webhook mode (validated even when not given).
    telegram_webhook_secret: SecretStr = Field(default=SecretStr(""), validate_default=True)
    # How many connections at once Telegram may open to deliver updates (setWebhook; 1-100).
    telegram_webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # At most 3 messages to one chat in any window this long (Telegram: about one a second).
    telegram_chat_window_seconds: float = Field(default=3.0, gt=0, le=60)
    telegram_payment_provider_token: SecretStr = SecretStr("")

    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")
    twilio_whatsapp_from: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_templates_file: Path = Path("var/twilio_templates.json")

    stripe_secret_key: SecretStr = SecretStr("")
    stripe_webhook_secret: SecretStr = SecretStr("")
    stripe_api_base_url: str = "https://api.stripe.com"
    # The demo card: "paying" marks the order paid and takes no money, so it is for demos and
    # local work only (`soko demo` turns it on for its own shop). Without it and without a
    # real provider for a buyer's channel, the checkout tells her paying is not open yet.
    payments_demo: bool = False
    # M-Pesa through Safaricom's Daraja API: Kenyan buyers pay by STK push (bot/mpesa_wiring.py).
    # Off until the consumer key and secret are set; then PUBLIC_BASE_URL must be https (Daraja
    # posts results there) and MPESA_CALLBACK_TOKEN set (the secret in those addresses).
    mpesa_env: MpesaEnv = MpesaEnv.SANDBOX
    # Empty: Daraja's own address for MPESA_ENV (a test server in tests).
    mpesa_api_base_url: str = Field(default="", validate_default=True)
    mpesa_consumer_key: SecretStr = SecretStr("")
    mpesa_consumer_secret: SecretStr = Field(default=SecretStr(""), validate_default=True)
    mpesa_shortcode: str = Field(default="", validate_default=True)
    mpesa_passkey: SecretStr = Field(default=SecretStr(""), validate_default=True)
    mpesa_transaction_type: MpesaTransactionType = MpesaTransactionType.PAYBILL
    # B2C payouts: the API initiator's name and password and Safaricom's public certificate,
    # with which the password is encrypted.
    mpesa_initiator_name: str = ""
    mpesa_initiator_password: SecretStr = Field(default=SecretStr(""), validate_default=True)
    mpesa_cert_file: Path | None = Field(default=None, validate_default=True)
    mpesa_callback_token: SecretStr = Field(default=SecretStr(""), validate_default=True)
    mpesa_payout_min_minor: int = Field(default=10_000, ge=0)
    mpesa_auto_payouts: bool = False
    # A till (CustomerBuyGoodsOnline) is paid to its till number; MPESA_SHORTCODE is then the
    # store number the prompt is signed with. Needed with buy goods.
    mpesa_till_number: str = Field(default="", validate_default=True)
    # The shortcode B2C payouts (and their status queries) come from; empty: MPESA_SHORTCODE.
    mpesa_b2c_shortcode: str = ""

    admin_phones: Annotated[list[str], NoDecode] = Field(default_factory=list)
    default_locale: str = "en"
    store_currency: str = "USD"
    artisan_currency: str = "KES"
    artisan_timezone: str = "Africa/Nairobi"
    max_price_minor: int = 50_000_000  # KES 500,000: anything above is surely a typo
    # Pricing: the buyer pays the artisan's price converted at FX_RATES plus PRICING_MARKUP_BPS
    # (basis points), which covers the mentor's commission and the platform's fee.
    fx_rates: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: {"KES/USD": "0.0077", "KES/EUR": "0.0071", "KES/GBP": "0.0061"}
    )
    pricing_markup_bps: int = Field(default=4000, ge=0)
    mentor_commission_bps: int = Field(default=500, ge=0)
    reservation_minutes: int = 30
    # An artisan's share becomes payable when her piece is delivered, or already when it
    # passes the check at the hub ("passed").
    payout_release: ReleaseOn = ReleaseOn.DELIVERED
    # A piece accepted this many days ago and not sent: its artisan is reminded; as many days
    # after that, the community managers are told (`remind_unsent`).
    unsent_reminder_days: int = Field(default=3, ge=1)
    # A buyer may report a parcel damaged (or not arrived) until this many days after it was
    # delivered (`conversations/flows/report.py`).
    report_within_days: int = Field(default=14, ge=1)
    # Limits per person: what one buyer may hold of a piece, how many orders she may place an
    # hour, how many messages a second she may send before the rest of the burst is answered
    # once (every message is still handled, in order), and how many pieces in all one cart
    # (one order) may hold.
    max_pieces_per_buyer: int = Field(default=5, ge=1)
    orders_per_hour: int = Field(default=5, ge=1)
    flood_messages: int = Field(default=3, ge=1)
    flood_seconds: float = Field(default=1.0, gt=0, le=10)
    max_pieces_per_order: int = Field(default=10, ge=1)
    # An approved piece whose price changes by more than this share of it (0.2: a fifth, up
    # or down) goes back to the community managers' review queue.
    price_change_review_share: Decimal = Field(default=Decimal("0.2"), ge=0)
    # How pieces reach buyers: through the Nairobi hub (artisans bring them within
    # HUB_BRING_WITHIN_DAYS; community managers check and ship them) or straight from the
    # artisan. The address and hours are shown to artisans, the days in their language.
    fulfilment_mode: FulfilmentMode = FulfilmentMode.HUB
    hub_address: str = Field(default="Soko hub, Nairobi", min_length=1, max_length=300)
    hub_hours: str = DEFAULT_HOURS
    hub_bring_within_days: int = Field(default=3, ge=1, le=60)

    photo_max_bytes: int = 20 * 1024 * 1024
    photo_max_pixels_jpeg: int = 100_000_000
    photo_max_pixels_other: int = 16_000_000  # and progressive JPEG; see PhotoLimits
    photo_min_side: int = 500
    # Raw photos as sent (GPS and all) found under the media store's private incoming/ prefix
    # are removed once older than this (the `remove_raw_photos` job).
    raw_photo_max_age_hours: int = Field(default=24, ge=1)

    referral_qualify_listings: int = 3
    referral_qualify_orders: int = 1
    mentor_min_fulfilled_orders: int = 10
    # How long a passed workshop visit keeps a shop verified ("Workshop visited by Soko").
    verification_valid_months: int = Field(default=12, ge=1, le=60)

    # A TOML file of categories, materials and colours merged over the shipped vocabulary
    # (store/data/vocabulary.toml): a community manager's synonyms, materials and standards.
    # Checked at start; `soko vocabulary check FILE` shows what it adds (docs/vocabulary.md).
    vocabulary_file: Path | None = None
    # A TOML file of destination zones in place of store/data/shipping_zones.toml: countries,
    # shipping fees (STORE_CURRENCY and KES), delivery days (docs/shipping.md). Checked at start.
    shipping_zones_file: Path | None = None

    @field_validator("admin_phones", mode="before")
    @classmethod
    def _split_phones(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @field_validator("fx_rates", mode="before")
    @classmethod
    def _parse_rates(cls, value: object) -> object:
        # "KES/USD=0.0077,KES/EUR=0.0071": one unit of the first = rate units of the second.
        if isinstance(value, str):
            items = [item for item in value.split(",") if item.strip()]
            if not all("=" in item for item in items):
                raise ValueError(
                    "must be PAIR=RATE items separated by commas, such as"
                    " KES/USD=0.0077,KES/EUR=0.0071"
                )
            pairs = (item.split("=", 1) for item in items)
            return {pair.strip().upper(): rate.strip() for pair, rate in pairs}
        return value

    @field_validator("fx_rates")
    @classmethod
    def _rates_are_positive_numbers(cls, value: dict[str, str]) -> dict[str, str]:
        for pair, rate in value.items():
            source, _, target = pair.partition("/")
            if not (_is_currency(source) and _is_currency(target)):
                raise ValueError(f"{pair} is not two currency codes such as KES/USD")
            try:
                number = Decimal(rate)
            except InvalidOperation:
                number = Decimal(0)
            if not number.is_finite() or number <= 0:
                raise ValueError(f"the rate of {pair} must be a number above 0")
        return value

    @field_validator("mentor_commission_bps")
    @classmethod
    def _commission_below_markup(cls, value: int, info: ValidationInfo) -> int:
        # The markup pays the commission; an equal one would leave nothing for rounding.
        markup = info.data.get("pricing_markup_bps")
        if markup is not None and value >= markup:
            raise ValueError(f"must be less than PRICING_MARKUP_BPS ({markup})")
        return value

    @field_validator("hub_hours")
    @classmethod
    def _readable_hours(cls, value: str) -> str:
        parse_hours(value)  # ValueError names the form it must take
        return value

    @field_validator("artisan_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be a time zone name such as Africa/Nairobi") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            backend = ""
        if backend not in SUPPORTED_BACKENDS:
            raise ValueError(
                "must be sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME"
            )
        return value

    @field_validator("vocabulary_file", "shipping_zones_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("vocabulary_file")
    @classmethod
    def _valid_vocabulary(cls, value: Path | None) -> Path | None:
        if value is not None:
            try:
                load_vocabulary(value)
            except VocabularyError as invalid:
                raise ValueError(str(invalid)) from None
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _strip_at(cls, value: str) -> str:
        return value.strip().lstrip("@")

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        language = supported_language(value)
        if language is None:
            raise ValueError(f"must be one of: {', '.join(SUPPORTED_LOCALES)}")
        return language

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_characters(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        secret = value.get_secret_value()
        if secret and not WEBHOOK_SECRET_CHARACTERS.fullmatch(secret):
            raise ValueError(f"must be {WEBHOOK_SECRET_RULE} (make one with: {MAKE_A_SECRET})")
        # Without it, setWebhook would be sent an empty secret and every update refused.
        token = info.data.get("telegram_bot_token")
        webhook_mode = info.data.get("telegram_mode") is TelegramMode.WEBHOOK
        if not secret and webhook_mode and token is not None and token.get_secret_value():
            raise ValueError(
                "needed with TELEGRAM_MODE=webhook (Telegram sends it with every update):"
                f" {WEBHOOK_SECRET_RULE} (make one with: {MAKE_A_SECRET})"
            )
        return value

    @field_validator("store_currency", "artisan_currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        if not _is_currency(value.upper()):
            raise ValueError("must be a currency code such as USD or KES (ISO 4217)")
        return value.upper()

    @field_validator("mpesa_api_base_url")
    @classmethod
    def _mpesa_address(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            return MPESA_API_BASE_URLS[info.data.get("mpesa_env", MpesaEnv.SANDBOX)]
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) address such as https://api.safaricom.co.ke")
        return value.rstrip("/")

    @field_validator("mpesa_consumer_secret")
    @classmethod
    def _mpesa_keys_in_pairs(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        key = _given(info.data.get("mpesa_consumer_key"))
        if key and not value.get_secret_value():
            raise ValueError(f"needed with MPESA_CONSUMER_KEY ({_DARAJA_KEYS})")
        if value.get_secret_value() and not key:
            raise ValueError(f"set without MPESA_CONSUMER_KEY: set both ({_DARAJA_KEYS})")
        return value

    @field_validator("mpesa_shortcode")
    @classmethod
    def _mpesa_shortcode(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value and not MPESA_SHORTCODE_DIGITS.fullmatch(value):
            raise ValueError("must be the paybill or till number: 5 to 7 digits")
        if not value and _given(info.data.get("mpesa_consumer_key")):
            raise ValueError("needed with MPESA_CONSUMER_KEY (the paybill or till number, digits)")
        return value

    @field_validator("mpesa_till_number")
    @classmethod
    def _mpesa_till_number(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value and not MPESA_SHORTCODE_DIGITS.fullmatch(value):
            raise ValueError("must be the till number: 5 to 7 digits")
        buy_goods = info.data.get("mpesa_transaction_type") == MpesaTransactionType.BUY_GOODS
        if not value and buy_goods and _given(info.data.get("mpesa_consumer_key")):
            raise ValueError(
                "needed with MPESA_TRANSACTION_TYPE=CustomerBuyGoodsOnline (the till paid; "
                "MPESA_SHORTCODE is the store number)"
            )
        return value

    @field_validator("mpesa_b2c_shortcode")
    @classmethod
    def _mpesa_b2c_shortcode(cls, value: str) -> str:
        value = value.strip()
        if value and not MPESA_SHORTCODE_DIGITS.fullmatch(value):
            raise ValueError("must be the B2C shortcode: 5 to 7 digits")
        return value

    @field_validator("mpesa_passkey")
    @classmethod
    def _mpesa_passkey(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        # An invalid shortcode is not in info.data; its own line says what is wrong.
        shortcode_given = info.data.get("mpesa_shortcode") != "" or (
            "mpesa_shortcode" not in info.data and _given(info.data.get("mpesa_consumer_key"))
        )
        if shortcode_given and not value.get_secret_value():
            raise ValueError("needed with MPESA_SHORTCODE (Safaricom sends it with the shortcode)")
        return value

    @field_validator("mpesa_initiator_password")
    @classmethod
    def _mpesa_initiator_password(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        if info.data.get("mpesa_initiator_name") and not value.get_secret_value():
            raise ValueError("needed with MPESA_INITIATOR_NAME (B2C payouts)")
        return value

    @field_validator("mpesa_cert_file", mode="before")
    @classmethod
    def _empty_cert_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("mpesa_cert_file")
    @classmethod
    def _mpesa_certificate(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None:
            if info.data.get("mpesa_initiator_name"):
                raise ValueError(
                    "needed with MPESA_INITIATOR_NAME (Safaricom's public certificate, to"
                    " encrypt the initiator password)"
                )
            return None
        # Here, not at the top: only a shop with B2C payouts loads cryptography's x509.
        from payments.mpesa.credentials import load_certificate

        try:
            load_certificate(value.read_bytes())
        except (OSError, ValueError):
            raise ValueError(
                "must be a readable X.509 certificate (PEM or DER), such as Safaricom's"
                " ProductionCertificate.cer"
            ) from None
        return value

    @field_validator("mpesa_callback_token")
    @classmethod
    def _mpesa_callback_token(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        token = value.get_secret_value()
        if not token and _given(info.data.get("mpesa_consumer_key")):
            raise ValueError(
                "needed with MPESA_CONSUMER_KEY: the secret in the addresses Daraja posts to"
                f" (make one with: {MAKE_A_SECRET})"
            )
        if token and not MPESA_CALLBACK_TOKEN_CHARACTERS.fullmatch(token):
            raise ValueError(
                f"must be 32 to 256 letters, digits, _ or - (make one with: {MAKE_A_SECRET})"
            )
        return value

    @model_validator(mode="after")
    def _shipping_zones(self) -> Settings:
        try:
            load_shipping_zones(self.shipping_zones_file).check_currencies(
                sorted({self.store_currency, KES})
            )
        except ShippingZonesError as invalid:
            raise ValueError(f"SHIPPING_ZONES_FILE: {invalid}") from None
        return self

    @model_validator(mode="after")
    def _mpesa_reachable(self) -> Settings:
        if self.mpesa_consumer_key.get_secret_value() and not _reachable_by_daraja(
            self.public_base_url
        ):
            raise ValueError(
                "PUBLIC_BASE_URL: must be an https:// address Safaricom can reach when M-Pesa is"
                " on (Daraja posts payment results there; http only for a local test address)"
            )
        return self

    @model_validator(mode="after")
    def _telegram_window(self) -> Settings:
        if (
            self.telegram_chat_window_seconds < TELEGRAM_CHAT_WINDOW
            and urlsplit(self.telegram_api_base_url).hostname == TELEGRAM_API_HOST
        ):
            raise ValueError(
                "TELEGRAM_CHAT_WINDOW_SECONDS: at least 3 on Telegram's own API"
                f" ({TELEGRAM_API_HOST}): a shorter window gets the bot refused with 429,"
                " pausing every chat"
            )
        return self

    @field_validator(
        "public_base_url", "telegram_api_base_url", "twilio_api_base_url", "stripe_api_base_url"
    )
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


class InvalidSettings(Exception):
    """Settings that do not validate; `problems` holds one line per setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def load_settings(**overrides: Any) -> Settings:
    """Read the environment once (values in `overrides` win); the composition root passes
    the result on, and its secrets are redacted from every log line from now on
    (`bot.log_redaction`). Raises `InvalidSettings`."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise InvalidSettings(setting_problems(exc)) from None
    keep_secrets_out_of_logs(settings)
    return settings


def pool_settings(settings: Settings) -> PoolSettings:
    return PoolSettings(
        size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        timeout_seconds=settings.db_pool_timeout_seconds,
        statement_timeout_ms=settings.db_statement_timeout_ms,
    )


def for_web_workers(settings: Settings) -> Settings:
    """`settings` for `soko web`, or `InvalidSettings`. Workers on PostgreSQL may run on
    several machines, and a photo one worker stores in a folder of its own the others cannot
    serve: a local MEDIA_DIR must be one they all share. (SQLite is one file on one machine,
    so its workers share the folder.)"""
    local = settings.media_store is MediaStoreKind.LOCAL
    on_postgres = make_url(settings.database_url).get_backend_name() == "postgresql"
    if local and on_postgres and not settings.media_dir_shared:
        raise InvalidSettings(
            [
                "MEDIA_DIR_SHARED: soko web on PostgreSQL with MEDIA_STORE=local needs"
                " MEDIA_DIR_SHARED=true, saying MEDIA_DIR is one folder every worker and the"
                " scheduler share (one machine, or a network mount); else use MEDIA_STORE=s3"
            ]
        )
    return settings


def setting_problems(error: ValidationError) -> list[str]:
    """One "NAME: what it must be" per setting, in the order of the settings. pydantic's
    messages and ours say what was expected, not what was given; should a secret (or the
    database URL, which may hold a password) be found in one anyway, it is cut out."""
    problems: dict[str, str] = {}
    for found in error.errors(include_url=False):
        field = str(found["loc"][0]) if found["loc"] else "settings"
        message = found["msg"].removeprefix("Value error, ")
        named = _NAMED_PROBLEM.fullmatch(message)
        if not found["loc"] and named:  # a rule across settings names the one to change
            field, message = named.group(1).lower(), named.group(2)
        given = found.get("input")
        if field in _SECRET_SETTINGS and isinstance(given, str) and given and given in message:
            message = message.replace(given, "…")
        name = field.upper()
        problems.setdefault(name, message[:1].lower() + message[1:])
    return [f"{name}: {message}" for name, message in problems.items()]


_SECRET_SETTINGS = frozenset(
    {name for name, field in Settings.model_fields.items() if field.annotation is SecretStr}
    | {"database_url"}
)


_NAMED_PROBLEM = re.compile(r"([A-Z][A-Z0-9_]+): (.+)", re.S)


def _reachable_by_daraja(base_url: str) -> bool:
    """https, or http on this machine (a test against the local fakes)."""
    url = urlsplit(base_url)
    return url.scheme == "https" or (
        url.scheme == "http" and url.hostname in ("localhost", "127.0.0.1", "::1")
    )


def _given(secret: object) -> bool:
    return isinstance(secret, SecretStr) and bool(secret.get_secret_value())


def _is_currency(code: str) -> bool:
    try:
        currency_exponent(code)
    except UnknownCurrency:
        return False
    return True
