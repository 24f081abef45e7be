"""What the artisan's shop flows share: who she is, her clock, and the small yes / no / back."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime

from conversations.flow import StepContext
from conversations.i18n import N_
from conversations.messages import Choice, TapWord
from store.errors import PermissionDenied
from store.models import Artisan
from store.money import babel_locale
from store.services import people

YES = N_("Yes")
NO = N_("No")
BACK = N_("Back")

YES_PAYLOAD = "yes"
NO_PAYLOAD = "no"
BACK_PAYLOAD = "back"


def current_artisan(ctx: StepContext) -> Artisan:
    """The artisan this person is; anyone else is refused (menus hide these flows from them,
    but a conversation may outlive a role)."""
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None:
        raise PermissionDenied("use an artisan's shop", ctx.user.id)
    return artisan


def yes_no(ctx: StepContext) -> list[Choice]:
    return [Choice(ctx._(YES), YES_PAYLOAD, TapWord.YES), Choice(ctx._(NO), NO_PAYLOAD, TapWord.NO)]


def back(ctx: StepContext) -> Choice:
    return Choice(ctx._(BACK), BACK_PAYLOAD)


def local_time(ctx: StepContext, when: datetime) -> str:
    """A moment as the artisan reads it: "1 Mar, 12:05" in Nairobi time, in her language."""
    zone = ZoneInfo(ctx.market.config.artisan_timezone)
    return format_datetime(when, "d MMM, HH:mm", tzinfo=zone, locale=babel_locale(ctx.user.locale))


def local_date(ctx: StepContext, when: datetime) -> str:
    zone = ZoneInfo(ctx.market.config.artisan_timezone)
    return format_datetime(when, "d MMM", tzinfo=zone, locale=babel_locale(ctx.user.locale))


def country_name(ctx: StepContext, code: str) -> str:
    """ "GB" → "United Kingdom" / "Ufalme wa Muungano"; an unknown code as given."""
    names = Locale.parse(babel_locale(ctx.user.locale)).territories
    return str(names.get(code.upper(), code))
