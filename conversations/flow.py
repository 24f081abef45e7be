"""How flows are written (in the style of PTB's ConversationHandler, synchronous and neutral).

A flow is a name, a `StrEnum` of steps, a start function and one function per step::

    class Step(StrEnum):
        TITLE = "title"

    def start(ctx: StepContext, arg: str) -> StepResult:
        ctx.say(ctx._(ASK_TITLE))
        return StepResult(Step.TITLE)

    def title(ctx: StepContext, inbound: Inbound) -> StepResult:
        ...
        return StepResult(END)

    FLOW = Flow("listing", {Step.TITLE: title}, start)

A step receives the person's answer; when it offered choices (`ctx.ask`), the engine has
already resolved a typed number, label or tap word into `inbound.payload` (a choice that is
the question's yes, no, done or skip says so: `Choice.means`), and a yes or a no that picks
none of them never reaches the step as text. A step only ever sees a
payload its question offered: a button from an earlier message never reaches it, neither as a
payload nor as text. The dispatcher takes such a tap to a route registered for its kind
(`FlowRegistry.add_route`: opening a piece or an order works from any message, each route
re-checking who may) or answers "that button is from an earlier message" and asks the step's
question again, with the prompt the flow declares for that step (`Flow.prompts`). Payloads are
typed (`conversations.payloads`); even an offered one is only what someone sent, so every
action re-checks that this person may do it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, TypeVar, cast

from sqlalchemy.orm import Session

from conversations.errors import UnknownFlow, UnknownStep
from conversations.i18n import Translator
from conversations.marketplace import Marketplace
from conversations.messages import Choice, Inbound, Outbound
from conversations.payloads import Payload, decode
from store.models import Channel, Role, User


class End(enum.Enum):
    END = "end"


END: Final = End.END


@dataclass(frozen=True)
class StepResult:
    """The next step of the active flow (or END), and data to merge into the flow's data."""

    next: StrEnum | End
    data: Mapping[str, Any] | None = None


StepFn = Callable[["StepContext", Inbound], StepResult]
StartFn = Callable[["StepContext", str], StepResult]
# Asks a step's question (again): the same words and choices its step reads the answer to.
PromptFn = Callable[["StepContext"], StepResult]
P = TypeVar("P", bound=Payload)
# What a tap of a payload kind does from any message; None declines (answered as stale).
RouteFn = Callable[["StepContext", P], StepResult | None]
# What words she sends in answer to a notice with a button of a payload kind do (her appeal,
# in answer to the suspension notice): the button's payload and her words.
NoticeWordsFn = Callable[["StepContext", P, str], StepResult]
# What to keep when the person leaves a flow half-way (cancel, menu, …): it is handed back
# as `ctx.data` when the flow starts again. None keeps nothing.
LeaveFn = Callable[["StepContext"], Mapping[str, Any] | None]
Message = Outbound | Callable[[Translator], Outbound]


class Answer(StrEnum):
    """What a step reads in words she types that pick none of its choices. Only the flow
    knows, so it declares it (`Flow.answers`); `menu_words` reads it: a menu entry's name
    typed at a CHOICE or SEARCH step opens that entry, at a TEXT step it is her answer."""

    TEXT = "text"  # her own words (a title, a story, a note, a price, a reason): the default
    CHOICE = "choice"  # only its choices: other words are no answer to it (a list)
    SEARCH = "search"  # words to search for (a shop's name, a number, a piece)


@dataclass(frozen=True)
class Flow:
    name: str
    steps: Mapping[StrEnum, StepFn]
    start: StartFn
    on_leave: LeaveFn | None = None
    # Each step's question, asked again when she taps a button from an earlier message.
    prompts: Mapping[StrEnum, PromptFn] = field(default_factory=dict)
    # What each step reads in typed words (`Answer`); a step not named reads her own words.
    answers: Mapping[StrEnum, Answer] = field(default_factory=dict)

    def step(self, name: str) -> tuple[StrEnum, StepFn]:
        for step, function in self.steps.items():
            if step.value == name:
                return step, function
        raise UnknownStep(self.name, name)

    def prompt(self, name: str) -> PromptFn | None:
        return next((ask for step, ask in self.prompts.items() if step.value == name), None)

    def answer(self, name: str) -> Answer:
        found = (kind for step, kind in self.answers.items() if step.value == name)
        return next(found, Answer.TEXT)


@dataclass(frozen=True)
class _Route:
    handle: RouteFn[Any]
    within: str | None


def everyone(user: User) -> bool:
    return True


def with_role(role: Role) -> Callable[[User], bool]:
    def has_it(user: User) -> bool:
        return user.has_role(role)

    return has_it


class MenuGroup(enum.IntEnum):
    """Whose actions a menu entry is. A person's menu shows her own group's entries first
    (a manager's: managing; an artisan's: selling; anyone else's: buying), numbered as in
    their group; every other entry she may use goes on the "More" page, numbered 10 × its
    group + its number (buying 11–18, selling 21–28, managing 31–38, general 91–99). So a
    number always means the same action for her, whatever else her roles show."""

    BUYING = 1
    SELLING = 2
    MANAGING = 3
    GENERAL = 9  # for everyone, never on the first page: language, help


# The numbers a group's entries take on a person's first page; the "More" entry is 9.
FIRST_PAGE_NUMBERS: Final = range(1, 9)
GENERAL_NUMBERS: Final = range(1, 10)


@dataclass(frozen=True)
class MenuEntry:
    """A line of the main menu that starts a flow, shown to the users `visible` accepts.

    `group` and `number` fix the number she types for it on WhatsApp (`MenuGroup`): never
    reuse an entry's number for another action."""

    key: str  # short and stable: it travels in the choice payload
    label: str  # an N_()-marked message
    flow: str
    group: MenuGroup
    number: int
    arg: str = ""
    visible: Callable[[User], bool] = everyone
    # Its label read at the time the menu is shown (say, the featured collection's title in
    # her language), in place of `label`; None leaves the entry off the menu shown.
    label_now: Callable[[StepContext], str | None] | None = None

    def __post_init__(self) -> None:
        allowed = GENERAL_NUMBERS if self.group is MenuGroup.GENERAL else FIRST_PAGE_NUMBERS
        if self.number not in allowed:
            raise ValueError(f"menu entry {self.key!r}: number {self.number} not in {allowed}")


class FlowRegistry:
    """The flows the engine knows, the main menu's entries and `/start` payload routes."""

    MENU = "menu"
    HELP = "help"
    LANGUAGE = "language"
    WELCOME = "welcome"

    def __init__(self) -> None:
        self._flows: dict[str, Flow] = {}
        self._menu: dict[str, MenuEntry] = {}
        self._start_routes: dict[str, str] = {}
        self._routes: dict[type[Payload], _Route] = {}
        self._notice_words: dict[type[Payload], NoticeWordsFn[Any]] = {}
        self._notice_readers: list[Callable[[User], bool]] = []
        # What answers a message outside any flow; None shows the main menu.
        self.fallback: StepFn | None = None
        # Asked before the main menu is shown: the first that starts something (a question
        # she must answer once) is shown instead of the menu.
        self.before_menu: list[Callable[[StepContext], StepResult | None]] = []

    def add(self, flow: Flow) -> None:
        if flow.name in self._flows:
            raise ValueError(f"flow {flow.name!r} registered twice")
        self._flows[flow.name] = flow

    def add_menu_entry(self, entry: MenuEntry) -> None:
        if entry.key in self._menu:
            raise ValueError(f"menu entry {entry.key!r} registered twice")
        taken = next(
            (e for e in self._menu.values() if (e.group, e.number) == (entry.group, entry.number)),
            None,
        )
        if taken is not None:
            raise ValueError(f"menu entries {taken.key!r} and {entry.key!r} share a number")
        self._menu[entry.key] = entry

    def add_start_route(self, prefix: str, flow: str) -> None:
        """`/start <prefix><rest>` (a deep link, e.g. a referral code) starts `flow` with
        `<rest>` as its argument."""
        self._start_routes[prefix] = flow

    def add_route(self, kind: type[P], handle: RouteFn[P], *, within: str | None = None) -> None:
        """A tap of `kind` from any earlier message runs `handle` (which re-checks who may);
        `within`: only while that flow is active."""
        if kind in self._routes:
            raise ValueError(f"payload kind {kind.__name__} routed twice")
        self._routes[kind] = _Route(cast(RouteFn[Any], handle), within)

    def route(
        self, payload: Payload, active_flow: str
    ) -> Callable[[StepContext], StepResult | None] | None:
        """What a tap of `payload` from an earlier message does now, if anything."""
        found = self._routes.get(type(payload))
        if found is None or found.within not in (None, active_flow):
            return None
        return lambda ctx: found.handle(ctx, payload)

    def add_notice_words(
        self, kind: type[P], read: NoticeWordsFn[P], *, readers: Callable[[User], bool]
    ) -> None:
        """Words sent in answer to a notice with a button of `kind` (her next message after
        it, `notice_choices.notice_taking_words`) go to `read`; `readers`: who may be sent
        such a notice (for anyone else the outbox is not read)."""
        if kind in self._notice_words:
            raise ValueError(f"notice words of {kind.__name__} registered twice")
        self._notice_words[kind] = cast(NoticeWordsFn[Any], read)
        self._notice_readers.append(readers)

    def may_read_notice_words(self, user: User) -> bool:
        return any(reads(user) for reads in self._notice_readers)

    def notice_words(self, payload: str) -> Callable[[StepContext, str], StepResult] | None:
        """What words in answer to a notice with a button carrying `payload` do, if anything."""
        decoded = decode(payload)
        read = self._notice_words.get(type(decoded)) if decoded is not None else None
        if read is None:
            return None
        return lambda ctx, words: read(ctx, decoded, words)

    def flow(self, name: str) -> Flow:
        try:
            return self._flows[name]
        except KeyError:
            raise UnknownFlow(name) from None

    def flows(self) -> list[Flow]:
        return list(self._flows.values())

    def has_flow(self, name: str) -> bool:
        return name in self._flows

    def menu_for(self, user: User) -> list[MenuEntry]:
        """The entries she may use, by group and number."""
        entries = [e for e in self._menu.values() if e.visible(user)]
        return sorted(entries, key=lambda e: (e.group, e.number))

    def menu_entry(self, key: str) -> MenuEntry | None:
        return self._menu.get(key)

    def route_start(self, payload: str) -> tuple[str, str] | None:
        """The (flow, argument) a `/start` payload leads to, longest prefix first."""
        for prefix in sorted(self._start_routes, key=len, reverse=True):
            if payload.startswith(prefix):
                return self._start_routes[prefix], payload[len(prefix) :]
        return None


@dataclass
class StepContext:
    """What a step works with. Replies and notifications are written by the engine, in the
    same transaction as the step's changes, only if the step succeeds."""

    session: Session
    user: User
    channel: Channel
    now: datetime
    registry: FlowRegistry
    translator: Translator
    market: Marketplace
    flow: str = ""
    step: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    offered: tuple[Choice, ...] = ()
    replies: list[Outbound] = field(default_factory=list)
    notifications: list[tuple[int, Message]] = field(default_factory=list)
    # The platform id of our message whose button the person tapped this turn, if any.
    tapped: str | None = None
    # Our last turn asked her to share her phone number (a contact button).
    contact_asked: bool = False
    # A newcomer's first turn: her app or her words told her language, so the welcome need
    # not ask it before going where her message leads.
    language_known: bool = False

    def _(self, message: str) -> str:
        return self.translator._(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translator.ngettext(singular, plural, n)

    def reply(self, outbound: Outbound, *, in_place: bool = False) -> None:
        """Send a message to this person. Its choices (if any) become the answers the next
        message is resolved against.

        `in_place`: this replaces the message whose button was tapped (a list's next page),
        where the channel can edit messages. Only a turn's first reply may: an edited message
        stays where it was, above anything said before it in this turn."""
        if in_place and self.tapped and not self.replies:
            outbound = dataclasses.replace(outbound, replaces=self.tapped)
        self.replies.append(outbound)
        if outbound.choices:
            self.offered = outbound.choices

    def say(self, text: str) -> None:
        self.reply(Outbound(text=text))

    def ask(self, text: str, choices: Sequence[Choice], *, in_place: bool = False) -> None:
        self.reply(Outbound(text=text, choices=tuple(choices)), in_place=in_place)

    def notify(self, user_id: int, message: Message) -> None:
        """Tell another person something; pass a function of a `Translator` to have it
        written in the recipient's language."""
        self.notifications.append((user_id, message))

    def set_locale(self, locale: str) -> None:
        self.translator = Translator(locale)
        self.user.locale = self.translator.locale

    def begin(self, flow_name: str, arg: str = "") -> StepResult:
        """Leave the active flow (keeping what it keeps) and start another one."""
        flow = self.registry.flow(flow_name)
        self.leave()
        self.flow = flow_name
        self.step = ""
        self.data = self.kept.pop(flow_name, {})
        return flow.start(self, arg)

    def ask_again(self) -> StepResult | None:
        """Ask the active step's question again (its flow's prompt); None when it has none."""
        if not self.flow or not self.registry.has_flow(self.flow):
            return None
        prompt = self.registry.flow(self.flow).prompt(self.step)
        return prompt(self) if prompt is not None else None

    def leave(self) -> None:
        """Leave the active flow; its `on_leave` hook decides what is kept for later."""
        if not self.flow:
            return
        if self.registry.has_flow(self.flow):
            on_leave = self.registry.flow(self.flow).on_leave
            kept = on_leave(self) if on_leave else None
            if kept:
                self.kept[self.flow] = dict(kept)
        self.flow, self.step, self.data = "", "", {}
