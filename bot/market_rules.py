"""The marketplace's rules, from the settings (`MarketRules`)."""

from __future__ import annotations

from datetime import timedelta

from bot.container import Container
from bot.settings import Settings
from conversations.hub_rules import HubRules, parse_hours
from conversations.marketplace import MarketRules
from store.services.buyer_limits import BuyerLimits


def market_rules(container: Container) -> MarketRules:
    settings = container.settings
    return MarketRules(
        pricing=container.pricing,
        photo_limits=container.photo_limits,
        max_price_minor=settings.max_price_minor,
        artisan_currency=settings.artisan_currency,
        reservation=timedelta(minutes=settings.reservation_minutes),
        report_within=timedelta(days=settings.report_within_days),
        qualification=container.qualification_rules,
        mentor_threshold=container.mentor_threshold,
        public_base_url=settings.public_base_url,
        artisan_timezone=settings.artisan_timezone,
        telegram_bot_username=container.telegram_bot_username,
        whatsapp_number=settings.twilio_whatsapp_from.removeprefix("whatsapp:"),
        default_locale=settings.default_locale,
        buyer_limits=BuyerLimits(
            pieces_per_product=settings.max_pieces_per_buyer,
            orders_per_hour=settings.orders_per_hour,
            pieces_per_order=settings.max_pieces_per_order,
        ),
        price_change_review_share=settings.price_change_review_share,
        hub=hub_rules(settings),
        verification_valid_months=settings.verification_valid_months,
    )


def hub_rules(settings: Settings) -> HubRules:
    return HubRules(
        mode=settings.fulfilment_mode,
        address=settings.hub_address,
        hours=parse_hours(settings.hub_hours),
        bring_within=timedelta(days=settings.hub_bring_within_days),
    )
