"""Typed settings, read once from the environment (and `.env`).

Tests construct `Settings(...)` directly; nothing else reads `os.environ`.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from conversations.i18n import SUPPORTED_LOCALES, supported_language

# What Telegram accepts as a webhook's secret_token, and how an operator makes one.
WEBHOOK_SECRET_CHARACTERS = re.compile(r"[A-Za-z0-9_-]{1,256}")
WEBHOOK_SECRET_RULE = "1 to 256 letters, digits, _ or -"  # noqa: S105 (a rule, not a secret)
MAKE_A_SECRET = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class MediaStoreKind(StrEnum):
    LOCAL = "local"
    S3 = "s3"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    database_url: str = "sqlite:///var/soko.db"
    media_dir: Path = Path("var/media")
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

    telegram_bot_token: SecretStr = SecretStr("")
    # The bot's @username, for links into the Telegram chat from the web pages (`soko run`
    # also learns it from Telegram itself for the links it sends in the chat).
    telegram_bot_username: str = ""
    telegram_api_base_url: str = "https://api.telegram.org"
    telegram_mode: TelegramMode = TelegramMode.POLLING
    telegram_webhook_secret: SecretStr = SecretStr("")
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
    pricing_markup_bps: int = 4000
    mentor_commission_bps: int = 500
    reservation_minutes: int = 30

    photo_max_bytes: int = 20 * 1024 * 1024
    photo_max_pixels_jpeg: int = 100_000_000
    photo_max_pixels_other: int = 40_000_000
    photo_min_side: int = 500

    referral_qualify_listings: int = 3
    referral_qualify_orders: int = 1
    mentor_min_fulfilled_orders: int = 10

    @field_validator("admin_phones", mode="before")
    @classmethod
    def _split_phones(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip() for p in value.split(",") if p.strip()]
        return value

    @field_validator("fx_rates", mode="before")
    @classmethod
    def _parse_rates(cls, value: object) -> object:
        # "KES/USD=0.0077,KES/EUR=0.0071": one unit of the first = rate units of the second.
        if isinstance(value, str):
            pairs = (item.split("=", 1) for item in value.split(",") if item.strip())
            return {pair.strip().upper(): rate.strip() for pair, rate in pairs}
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
            raise ValueError(f"DEFAULT_LOCALE must be one of: {', '.join(SUPPORTED_LOCALES)}")
        return language

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_characters(cls, value: SecretStr) -> SecretStr:
        secret = value.get_secret_value()
        if secret and not WEBHOOK_SECRET_CHARACTERS.fullmatch(secret):
            raise ValueError(f"must be {WEBHOOK_SECRET_RULE} (make one with: {MAKE_A_SECRET})")
        return value

    @field_validator("store_currency", "artisan_currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha():
            raise ValueError("currency must be a three-letter ISO 4217 code")
        return value.upper()

    @field_validator(
        "public_base_url", "telegram_api_base_url", "twilio_api_base_url", "stripe_api_base_url"
    )
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


def load_settings() -> Settings:
    """Read the environment once; the composition root passes the result on."""
    return Settings()
