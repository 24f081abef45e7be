"""A suspended artisan appeals in the chat, on both databases: the menu offers it, on her
first page, only while her shop is suspended; she reads the reason, an empty message or
"cancel" sends nothing, her words reach every community manager (the same words twice,
once; at most three a day; the Swahili notice is proven end to end), and once reinstated
there is nothing to appeal."""

from __future__ import annotations

from collections.abc import Callable

from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.people.conftest import WhatsAppChat
from tests.integration.conversations.people.menu_support import (
    AMINA,
    NEEMA,
    community_manager,
    user_id,
)

REASON = "Plastic beads sold as glass"
ASKED = (
    "Duka lako Amina Beads lilisimamishwa kwa sababu hii: “Plastic beads sold as glass”. "
    "Andika hapa, kwa ujumbe mmoja, kwa nini lifunguliwe tena; wasimamizi wa jamii watausoma "
    "na kukujibu kwenye gumzo hili.\n1. Ghairi"
)
WORDS = "Shanga zangu ni za kioo, njooni mzione"


def suspend(grace: WhatsAppChat) -> None:
    grace.send("menu")
    grace.send("People")
    grace.send("Amina Beads")
    grace.send("Suspend shop")
    grace.send(REASON)
    assert grace.send("Yes")[0] == "Amina Beads is suspended; she has been told."


def test_her_appeal_reaches_every_community_manager_once(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    community_manager(grace, on_whatsapp, NEEMA, "Neema")
    assert "Kata rufaa" not in amina.send("menyu")[0] + amina.send("Zaidi")[0]
    suspend(grace)
    first_page = amina.send("menyu")[0]  # where the notice sends her, not under "More"
    assert "7. Kata rufaa" in first_page, first_page
    assert amina.send("7") == [ASKED]
    assert amina.send("1")[0] == "Sawa, hakuna kilichotumwa."  # Ghairi: nothing sent
    assert amina.send("7") == [ASKED]
    assert amina.send("ghairi")[0] == "Imeghairiwa."  # the word that cancels anywhere
    assert amina.send("7") == [ASKED]
    assert amina.send("   ") == [ASKED]
    grace_before = len(messages_to(uow_factory, user_id(uow_factory, "+254711000001")))
    assert amina.send(WORDS)[0] == (
        "Asante: wasimamizi wa jamii wamepokea ujumbe wako na watakujibu hapa."
    )
    told_grace = messages_to(uow_factory, user_id(uow_factory, "+254711000001"))[grace_before:]
    assert told_grace == [
        f"Amina Wanjiru of the shop Amina Beads appeals her suspension (reason given: "
        f"“{REASON}”). Her words: “{WORDS}”. To reinstate the shop: send menu, choose "
        "“People” and type Amina Beads."
    ]
    assert messages_to(uow_factory, user_id(uow_factory, NEEMA))[-1] == told_grace[0]
    # The same words again (a double send): nobody is told twice.
    amina.send("7")
    amina.send(WORDS)
    assert messages_to(uow_factory, user_id(uow_factory, "+254711000001"))[grace_before:] == (
        told_grace
    )

    # She starts another; the shop is reinstated while she writes: nothing to appeal.
    assert amina.send("7") == [ASKED]
    grace.send("menu")
    grace.send("People")
    grace.send("Amina Beads")
    grace.send("Reinstate shop")
    assert messages_to(uow_factory, user_id(uow_factory, AMINA))[-1].startswith(
        "Habari njema: duka lako Amina Beads limefunguliwa tena."
    )
    assert amina.send("Asanteni sana")[0] == (
        "Duka lako Amina Beads liko wazi: hakuna cha kukatia rufaa."
    )
    assert "Kata rufaa" not in amina.send("menyu")[0] + amina.send("Zaidi")[0]


def test_appeals_reach_the_managers_at_most_three_times_a_day(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    """Ten appeals one after another: the managers read three; she is told, kindly, that
    they have her words and she may write again tomorrow (before she types a fourth)."""
    suspend(grace)
    grace_id = user_id(uow_factory, "+254711000001")
    before = len(messages_to(uow_factory, grace_id))
    answers = []
    for n in range(10):
        answers.append(amina.send("7")[0])
        if answers[-1] == ASKED:
            answers.append(amina.send(f"Rufaa namba {n + 1}: shanga zangu ni za kioo")[0])
    sent = "Asante: wasimamizi wa jamii wamepokea ujumbe wako na watakujibu hapa."
    enough = (
        "Wasimamizi wa jamii tayari wamepokea rufaa zako za leo na watakujibu hapa. "
        "Unaweza kuandika tena kesho."
    )
    assert answers == [ASKED, sent] * 3 + [enough] * 7
    told = messages_to(uow_factory, grace_id)[before:]
    assert [text.split("Her words: ")[1][:16] for text in told] == [
        "“Rufaa namba 1: ",
        "“Rufaa namba 2: ",
        "“Rufaa namba 3: ",
    ]
