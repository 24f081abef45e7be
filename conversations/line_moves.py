"""The next steps of an artisan's order line, as buttons: accept, mark ready, mark shipped.

Shared by "Orders to send" and the notices that carry the step themselves (a new order, the
morning reminder), so a tap on either does the same thing. An accepted piece offers "Mark
shipped" first: sending it is the step that matters, and passes through ready on the way
(`fulfilment.ship_line`); "Mark ready" stays beside it for a piece packed before it goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from conversations.i18n import N_, Translator
from conversations.messages import Choice
from conversations.payloads import Payload
from store.models import LineStatus, OrderLine

ACCEPT: Final = N_("Accept")
MARK_READY: Final = N_("Mark ready")
MARK_SHIPPED: Final = N_("Mark shipped")
ACTION_ON: Final = N_("{action}: {title}")


class LineMove(StrEnum):
    ACCEPT = "acc"
    READY = "rdy"
    SHIP = "shp"


@dataclass(frozen=True)
class MoveLine(Payload, tag="l"):
    """A step on one of her order lines; the service re-checks the line is hers and may
    move, so a tap on an old notice or a forged one is answered, never trusted."""

    move: LineMove
    line_id: int


_LABELS: Final = {
    LineMove.ACCEPT: ACCEPT,
    LineMove.READY: MARK_READY,
    LineMove.SHIP: MARK_SHIPPED,
}
NEXT_MOVES: Final[dict[LineStatus, tuple[LineMove, ...]]] = {
    LineStatus.PAID: (LineMove.ACCEPT,),
    LineStatus.ACCEPTED: (LineMove.SHIP, LineMove.READY),
    LineStatus.READY: (LineMove.SHIP,),
}


# At the hub (hub mode) her only step is accepting: she brings the piece, and community
# managers move it on from there.
HUB_MOVES: Final[dict[LineStatus, tuple[LineMove, ...]]] = {LineStatus.PAID: (LineMove.ACCEPT,)}


def move_choices(
    t: Translator, lines: Sequence[OrderLine], *, at_hub: bool = False
) -> list[Choice]:
    """A button for each next step of each line; named by its piece when there are several."""
    moves = HUB_MOVES if at_hub else NEXT_MOVES
    choices = []
    for line in lines:
        for move in moves.get(line.status, ()):
            text = t._(_LABELS[move])
            if len(lines) > 1:
                text = t._(ACTION_ON).format(action=text, title=line.title)
            choices.append(Choice(text, MoveLine(move, line.id).encode()))
    return choices
