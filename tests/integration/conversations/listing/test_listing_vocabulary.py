"""The materials answer read through the vocabulary (issue 20): nylon thread in Swahili is
flagged as plastic is, and what she names is kept as typed beside its canonical codes."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo, products_of, seller


def test_nylon_thread_in_swahili_is_flagged_and_her_new_answer_is_read_as_codes(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "achieng", swahili=True)
    chat.send("Weka bidhaa mpya")
    chat.send(photos=(photo(5),))
    # "Mkufu wa bluu 600": a necklace, a colour and a price; its materials are asked.
    assert chat.send("Mkufu wa bluu 600") == [
        "Imetengenezwa kwa nini? Mfano: shanga za kioo, waya wa shaba"
    ]

    answers = chat.send("shanga za kioo na uzi wa nailoni")

    assert answers[0].endswith(
        "Hii huenda haifai: uzi wa nailoni.\n"
        "Kanuni ya Soko: Hakuna plastiki wala malighafi za kiwandani"
    )
    assert answers[1].endswith("\n1. Badilisha malighafi\n2. Endelea hivyo hivyo")
    chat.send("1")
    chat.send("shanga za kioo, waya wa shaba na ngozi")
    [product] = products_of(chat)
    assert product.materials == ["shanga za kioo", "waya wa shaba", "ngozi"]
    assert product.material_codes == ["glass_beads", "brass", "leather"]
    assert product.colour_codes == ["blue"]  # from her title
