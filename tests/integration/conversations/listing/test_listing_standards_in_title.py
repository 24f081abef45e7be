"""A material the standards refuse, named in the caption ("Mkufu wa plastiki"): the materials
question is asked in her words, and an answer that leaves it out is still flagged."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.listing_support import photo, products_of, seller

ASK_MATERIALS_SW = "Imetengenezwa kwa nini? Mfano: shanga za kioo, waya wa shaba"


def test_plastic_in_the_caption_is_flagged_when_her_materials_leave_it_out(
    new_chat: Callable[..., Chat],
) -> None:
    chat = seller(new_chat, "pendo", swahili=True)
    chat.send("Weka bidhaa mpya")
    assert chat.send("Mkufu wa plastiki 900", photos=(photo(11),))[-1] == ASK_MATERIALS_SW
    answers = chat.send("shanga")
    # The rule the caption's plastic goes against, in her language.
    assert answers[0].endswith(
        ": plastiki.\nKanuni ya Soko: Hakuna plastiki wala malighafi za kiwandani"
    ), answers
    assert answers[1].startswith("Ubadilishe malighafi, au uendelee?"), answers
    [product] = products_of(chat)
    assert product.materials == ["shanga"]
