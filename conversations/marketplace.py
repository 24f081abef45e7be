"""What the flows need from the marketplace around them: its rules and its ports. (Not an
artisan's shop: that is `store.models.Artisan`.)

Built once by the composition root (`bot/`) and handed to the engine; every step sees it as
`ctx.market`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from conversations.capabilities import Capabilities
from conversations.hub_rules import HubRules
from conversations.i18n import DEFAULT_LOCALE
from store.media.pipeline import PhotoLimits
from store.media.storage import MediaStore
from store.payment_port import PaymentProvider
from store.pricing import PricingPolicy
from store.services.buyer_limits import BuyerLimits
from store.services.referrals import MentorThreshold, QualificationRules


@dataclass(frozen=True)
class MarketRules:
    pricing: PricingPolicy
    photo_limits: PhotoLimits = field(default_factory=PhotoLimits)
    max_price_minor: int = 50_000_000
    artisan_currency: str = "KES"
    reservation: timedelta = timedelta(minutes=30)
    # How long after delivery a buyer may still report a parcel damaged (a case).
    report_within: timedelta = timedelta(days=14)
    qualification: QualificationRules = field(default_factory=QualificationRules)
    mentor_threshold: MentorThreshold = field(default_factory=MentorThreshold)
    public_base_url: str = "http://localhost:8000"
    artisan_timezone: str = "Africa/Nairobi"
    # For referral and product deep links; empty when the channel is not configured.
    telegram_bot_username: str = ""
    whatsapp_number: str = ""  # E.164, e.g. +14155238886
    # A newcomer's language when neither her app nor her first words tell it.
    default_locale: str = DEFAULT_LOCALE
    # How much one buyer may hold and how often she may order.
    buyer_limits: BuyerLimits = field(default_factory=BuyerLimits)
    # A price change of an approved piece by more than this share sends it back to review.
    price_change_review_share: Decimal = Decimal("0.2")
    # Whether pieces go through the Nairobi hub or straight from the artisan (`hub_rules`).
    hub: HubRules = field(default_factory=HubRules)
    # How many months a passed workshop visit keeps a shop verified.
    verification_valid_months: int = 12


@dataclass(frozen=True)
class Marketplace:
    config: MarketRules
    media: MediaStore
    payments: PaymentProvider
    # What each chat channel can do, as the channel plug-ins say (`bot/plugins.py`).
    capabilities: Capabilities = field(default_factory=Capabilities)
