"""Plain text of an `Outbound`: how a reply reads in a terminal (`soko chat`) and in tests."""

from __future__ import annotations

from conversations.messages import Outbound, numbered


def render(outbound: Outbound) -> str:
    lines: list[str] = []
    if outbound.image is not None:
        lines.append(f"[photo: {outbound.image.key or outbound.image.url}]")
    if outbound.text:
        lines.append(outbound.text)
    lines.extend(f"{n}. {choice.label}" for n, choice in numbered(outbound.choices))
    lines.extend(f"{link.label}: {link.url}" for link in outbound.links)
    if outbound.request_contact:
        lines.append("[share your phone number]")
    return "\n".join(lines)
