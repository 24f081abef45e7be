"""Mentors: her referral code and links, her recruits' progress, her commissions; and the offer
to become a mentor for sellers who have shipped enough orders."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from conversations import replies
from conversations.flow import (
    END,
    Flow,
    FlowRegistry,
    MenuEntry,
    MenuGroup,
    StepContext,
    StepResult,
    with_role,
)
from conversations.i18n import N_, Translator
from conversations.notify import mentors
from store.models import Artisan, ArtisanStatus, AuditAction, Role, User
from store.services import audit, ledger, people, referrals
from store.services.referrals import QualificationRules, Recruit

FLOW = "mentor"
BECOME_FLOW = "become_mentor"
MY_RECRUITS = N_("My recruits")
BECOME = N_("Become a mentor")

NO_RECRUITS = N_("You have no recruits yet. Share your code with artisans you know!")
RECRUITS = N_("Your recruits:")
RECRUIT_LINE = N_("{n}. {name} ({shop}): pieces approved {listings}/{of}, orders {orders}/{need}")
RECRUIT_QUALIFIED = N_("{n}. {name} ({shop}): qualified ✓")
COMMISSIONS = N_("Your commissions: {balance}")
NOT_YET = N_(
    "Not yet: mentors have shipped {need} orders and sell on their own. You have shipped "
    "{have}. Keep going!"
)
NOW_MENTOR = N_("Welcome, mentor! Invite new artisans and guide them to their first sales.")
OPEN_SHOP_FIRST = N_(
    "You are a mentor on Soko. Open your shop first: choose “Sell your jewelry” in the menu. "
    "Your invitation code comes with it."
)
_RECENT = 5


def start(ctx: StepContext, arg: str) -> StepResult:
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if not ctx.user.has_role(Role.MENTOR):
        ctx.say(ctx._(replies.SORRY_NOT_ALLOWED))
        return ctx.begin(FlowRegistry.MENU)
    if artisan is None:  # made a mentor before she opened her shop: codes belong to shops
        ctx.say(ctx._(OPEN_SHOP_FIRST))
        return ctx.begin(FlowRegistry.MENU)
    codes = referrals.active_codes(ctx.session, artisan.id)
    code = codes[0].code if codes else referrals.create_code(ctx.session, artisan.id).code
    _show_code(ctx, code)
    _show_recruits(ctx, artisan)
    _show_commissions(ctx, artisan)
    return StepResult(END)


def start_become(ctx: StepContext, arg: str) -> StepResult:
    artisan = people.artisan_for_user(ctx.session, ctx.user.id)
    if artisan is None:
        ctx.say(ctx._(replies.SORRY_NOT_ALLOWED))
        return ctx.begin(FlowRegistry.MENU)
    if ctx.user.has_role(Role.MENTOR):
        return ctx.begin(FLOW)
    threshold = ctx.market.config.mentor_threshold
    if not referrals.mentor_eligible(ctx.session, artisan.id, threshold):
        have = referrals.fulfilled_orders(ctx.session, artisan.id)
        ctx.say(ctx._(NOT_YET).format(need=threshold.min_fulfilled_orders, have=have))
        return ctx.begin(FlowRegistry.MENU)
    code = referrals.make_mentor(ctx.session, artisan.id, ctx.now, threshold=threshold)
    audit.record(
        ctx.session,
        audit.Actor.user(ctx.user.id),
        AuditAction.GRANT,
        ctx.now,
        role=Role.MENTOR,
        subject_user_id=ctx.user.id,
        artisan_id=artisan.id,
        note="reached the mentor threshold",
    )
    ctx.say(ctx._(NOW_MENTOR))
    _show_code(ctx, code.code)
    return StepResult(END)


def _show_code(ctx: StepContext, code: str) -> None:
    ctx.reply(mentors.invitation(ctx.translator, ctx.market.config, code))


def _show_recruits(ctx: StepContext, mentor: Artisan) -> None:
    rules = ctx.market.config.qualification
    found = referrals.recruits(ctx.session, mentor.id, rules)
    if not found:
        ctx.say(ctx._(NO_RECRUITS))
        return
    lines = [ctx._(RECRUITS)]
    lines += [
        recruit_line(ctx.translator, n, recruit, rules) for n, recruit in enumerate(found, start=1)
    ]
    ctx.say("\n".join(lines))


def recruit_line(t: Translator, n: int, recruit: Recruit, rules: QualificationRules) -> str:
    """'2. Wanjiru (Wanjiru's beads): pieces approved 1/3, orders 0/5', or qualified ✓."""
    who = {
        "n": n,
        "name": recruit.artisan.user.display_name or recruit.artisan.shop_name,
        "shop": recruit.artisan.shop_name,
    }
    progress = recruit.progress
    if progress.qualified:
        return t._(RECRUIT_QUALIFIED).format(**who)
    return t._(RECRUIT_LINE).format(
        **who,
        listings=min(progress.approved_listings, rules.min_approved_listings),
        of=rules.min_approved_listings,
        orders=min(progress.fulfilled_orders, rules.min_fulfilled_orders),
        need=rules.min_fulfilled_orders,
    )


def _show_commissions(ctx: StepContext, mentor: Artisan) -> None:
    currency = ctx.market.config.artisan_currency
    account = ledger.mentor_account(mentor.id)
    locale = ctx.translator.locale
    total = ledger.commissions(ctx.session, mentor.id, currency)
    lines = [ctx._(COMMISSIONS).format(balance=total.format(locale))]
    zone = ZoneInfo(ctx.market.config.artisan_timezone)
    pending = (ledger.pending_mentor_account(mentor.id),)
    for entry in ledger.recent_entries(ctx.session, account, limit=_RECENT, also=pending):
        date = entry.created_at.astimezone(zone).strftime("%d/%m/%Y")
        lines.append(f"{date}: {entry.amount.format(locale)}")
    ctx.say("\n".join(lines))


def _may_become_mentor(user: User) -> bool:
    """Shown to sellers who run their shop alone and are not mentors yet; the flow checks the
    shop's experience threshold (the menu sees only the user)."""
    artisan = user.artisan
    return (
        user.has_role(Role.ARTISAN)
        and not user.has_role(Role.MENTOR)
        and artisan is not None
        and artisan.status == ArtisanStatus.INDEPENDENT
    )


def register(registry: FlowRegistry) -> None:
    registry.add(Flow(FLOW, {}, start))
    registry.add(Flow(BECOME_FLOW, {}, start_become))
    registry.add_menu_entry(
        MenuEntry("mentor", MY_RECRUITS, FLOW, MenuGroup.SELLING, 5, visible=with_role(Role.MENTOR))
    )
    registry.add_menu_entry(
        MenuEntry(
            "mentor_new", BECOME, BECOME_FLOW, MenuGroup.SELLING, 6, visible=_may_become_mentor
        )
    )
