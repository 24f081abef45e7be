"""What the People menu's actions do: each calls the service as the manager in the chat (the
service checks again that she may), tells the person in her language, and says in one line
what changed — or that nothing did (she was a mentor already, the shop was open already).

Refusals the manager should read (`OwnerKeepsRole`, `ShopSuspended`, and `InvalidPhone` from
a payload made by hand) are answered by the flow; `PermissionDenied` goes up to the engine,
which rolls back and says "you can't do that"; `NotFound` (she was joined into another
account) goes up to the flow.
"""

from __future__ import annotations

from conversations.flow import StepContext
from conversations.i18n import N_
from conversations.notify.roles import tell_role_changes, tell_shop_change
from conversations.notify.suspension import tell_buyers_cancelled
from store.models import AuditAction, Role
from store.phones import shown_phone
from store.services import roles, suspension
from store.services.audit import Actor
from store.services.roles import RoleChange

MENTOR_MADE = N_("{name} is now a mentor; she has been told.")
MENTOR_ALREADY = N_("{name} is already a mentor: nothing changed.")
MENTOR_STOPPED = N_("{name} is no longer a mentor; she has been told.")
MENTOR_NOT = N_("{name} is not a mentor: nothing changed.")
MANAGER_MADE = N_("{name} is now a community manager; she has been told.")
MANAGER_ALREADY = N_("{name} is already a community manager: nothing changed.")
MANAGER_REMOVED = N_("{name} is no longer a community manager; she has been told.")
MANAGER_NOT = N_("{name} is not a community manager: nothing changed.")
SUSPENDED = N_("{shop} is suspended; she has been told.")
SUSPENDED_ALREADY = N_("{shop} is already suspended: nothing changed.")
UNPAID_CANCELLED = N_("Unpaid orders cancelled, their buyers told: {codes}.")
PAID_TO_SEND = N_(
    "Paid orders she must still send: {codes}. She has been asked to send them as usual; "
    "if she cannot, the shop's operator refunds the buyer (soko admin refund CODE)."
)
REINSTATED = N_("{shop} is open again; she has been told.")
REINSTATED_ALREADY = N_("{shop} is not suspended: nothing changed.")
PROMISED_MENTOR = N_("Done: whoever first writes from {phone} becomes a mentor.")
PROMISED_MANAGER = N_("Done: whoever first writes from {phone} becomes a community manager.")
PROMISED_ALREADY = N_("That was already promised to {phone}: nothing changed.")

# (role, given?, changed?) → the line the manager reads.
_SAID = {
    (Role.MENTOR, True, True): MENTOR_MADE,
    (Role.MENTOR, True, False): MENTOR_ALREADY,
    (Role.MENTOR, False, True): MENTOR_STOPPED,
    (Role.MENTOR, False, False): MENTOR_NOT,
    (Role.COMMUNITY_MANAGER, True, True): MANAGER_MADE,
    (Role.COMMUNITY_MANAGER, True, False): MANAGER_ALREADY,
    (Role.COMMUNITY_MANAGER, False, True): MANAGER_REMOVED,
    (Role.COMMUNITY_MANAGER, False, False): MANAGER_NOT,
}
_PROMISED = {Role.MENTOR: PROMISED_MENTOR, Role.COMMUNITY_MANAGER: PROMISED_MANAGER}


def change_role(ctx: StepContext, user_id: int, role: Role, *, give: bool, name: str) -> None:
    """Give or take `role`; `name` is how the manager knows her."""
    actor = Actor.user(ctx.user.id)
    if give:
        change = roles.grant(ctx.session, actor, user_id, role, ctx.now)
    else:
        change = roles.revoke(ctx.session, actor, user_id, role, ctx.now)
    _report(ctx, change, give=give, name=name)


def promise(ctx: StepContext, phone: str, role: Role) -> RoleChange:
    """Promise `role` to a number; given at once if someone has been known by it since."""
    change = roles.grant_to_phone(ctx.session, Actor.user(ctx.user.id), phone, role, ctx.now)
    if change.action is AuditAction.PROMISE:
        message = _PROMISED[role] if change.changed else PROMISED_ALREADY
        ctx.say(ctx._(message).format(phone=shown_phone(change.phone or phone)))
        return change
    # Someone has been known by the number since it was offered: she has it now.
    name = change.user.display_name.strip() if change.user else ""
    _report(ctx, change, give=True, name=name or shown_phone(phone))
    return change


def _report(ctx: StepContext, change: RoleChange, *, give: bool, name: str) -> None:
    tell_role_changes(ctx, [change])
    if change.changed and change.user is not None and change.user.id == ctx.user.id:
        return  # her own change: what she was told (as an answer) says it
    ctx.say(ctx._(_SAID[change.role, give, change.changed]).format(name=name))


def suspend(ctx: StepContext, artisan_id: int, reason: str) -> None:
    """Suspend, for `reason` (`suspension.ReasonRequired` when empty: the flow asks again);
    she and the buyers whose orders were cancelled are told, the manager what remains."""
    change = suspension.suspend_shop(
        ctx.session, Actor.user(ctx.user.id), artisan_id, ctx.now, reason=reason
    )
    tell_shop_change(ctx, change)
    tell_buyers_cancelled(ctx.session, list(change.cancelled), artisan_id, ctx.now)
    message = SUSPENDED if change.changed else SUSPENDED_ALREADY
    lines = [ctx._(message).format(shop=change.artisan.shop_name)]
    if change.cancelled:
        codes = ", ".join(order.code for order in change.cancelled)
        lines.append(ctx._(UNPAID_CANCELLED).format(codes=codes))
    if change.paid_to_send:
        lines.append(ctx._(PAID_TO_SEND).format(codes=", ".join(change.paid_to_send)))
    ctx.say("\n".join(lines))


def reinstate(ctx: StepContext, artisan_id: int) -> None:
    change = suspension.reinstate_shop(ctx.session, Actor.user(ctx.user.id), artisan_id, ctx.now)
    tell_shop_change(ctx, change)
    message = REINSTATED if change.changed else REINSTATED_ALREADY
    ctx.say(ctx._(message).format(shop=change.artisan.shop_name))
