"""A suspended artisan appeals in the chat, on both databases: the menu offers it, on her
first page, only while her shop is suspended; she reads the reason, an empty message or
"cancel" sends nothing, her words reach every community manager (the same words twice,
once; at most three a day; the Swahili notice is proven end to end), and once reinstated
there is nothing to appeal. The notice's button (typed, on WhatsApp) opens the question, and
words sent in answer to the notice are kept and offered back; a menu entry's name, a number
or the menu word after it are not her appeal."""

from __future__ import annotations

from collections.abc import Callable

from conversations.notify.suspension import AppealTap
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


OFFER = (
    "Tuma ujumbe huu kwa wasimamizi wa jamii kama rufaa yako?\n“{words}”\n1. Ndiyo, utume\n"
    "2. Hapana"
)
MORE = "Nina risiti za kioo kutoka Gikomba"


def test_her_answer_to_the_notice_is_kept_and_offered_as_her_appeal(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    """Her words sent in answer to the notice are kept and offered back; a second message
    joins them; "no" sends nothing, "yes" sends the whole to the managers."""
    suspend(grace)
    grace_id = user_id(uow_factory, "+254711000001")
    before = len(messages_to(uow_factory, grace_id))
    assert amina.send(WORDS) == [OFFER.format(words=WORDS)]
    joined = f"{WORDS}\n{MORE}"
    assert amina.send(MORE) == [OFFER.format(words=joined)]
    assert amina.send("hapana")[0] == "Sawa, hakuna kilichotumwa."
    assert messages_to(uow_factory, grace_id)[before:] == []
    assert "Kata rufaa" in amina.send("menyu")[0]  # the menu still offers it

    grace.send("menu")  # reinstated and suspended again: a new notice
    grace.send("People")
    grace.send("Amina Beads")
    grace.send("Reinstate shop")
    suspend(grace)
    before = len(messages_to(uow_factory, grace_id))
    assert amina.send(WORDS) == [OFFER.format(words=WORDS)]
    assert amina.send(MORE) == [OFFER.format(words=joined)]
    assert amina.send("1")[0] == (
        "Asante: wasimamizi wa jamii wamepokea ujumbe wako na watakujibu hapa."
    )
    [told] = messages_to(uow_factory, grace_id)[before:]
    assert f"Her words: “{joined}”." in told, told


def test_the_notice_s_button_typed_opens_the_appeal_question(
    grace: WhatsAppChat, amina: WhatsAppChat
) -> None:
    suspend(grace)
    assert amina.send("1") == [ASKED]  # "1. Kata rufaa" on the notice
    assert amina.send("ghairi")[0] == "Imeghairiwa."
    suspend_again(grace)
    assert amina.send("kata rufaa") == [ASKED]  # its label


def test_a_menu_word_or_a_number_after_the_notice_is_not_her_appeal(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    suspend(grace)
    assert amina.send("Oda za wateja")[0].startswith("Hakuna oda za kutuma")  # a menu entry
    suspend_again(grace)
    assert amina.send("42")[0] != OFFER.format(words="42")
    suspend_again(grace)
    assert amina.send("menyu")[0].startswith("Ungependa kufanya nini?")
    # The notice is no longer her last message: words now go where they always went.
    assert not amina.send(WORDS)[0].startswith("Tuma ujumbe huu")


def suspend_again(grace: WhatsAppChat) -> None:
    grace.send("menu")
    grace.send("People")
    grace.send("Amina Beads")
    grace.send("Reinstate shop")
    suspend(grace)


def test_the_notice_s_button_after_her_words_keeps_them(
    grace: WhatsAppChat, amina: WhatsAppChat, uow_factory: UnitOfWorkFactory
) -> None:
    """She answers the notice, then taps (or types) its "Appeal" button, as if to send what
    she wrote: her words are offered back, never dropped for the question asked afresh."""
    suspend(grace)
    grace_id = user_id(uow_factory, "+254711000001")
    assert amina.send(WORDS) == [OFFER.format(words=WORDS)]
    assert amina.tap(AppealTap().encode()) == [OFFER.format(words=WORDS)]
    assert amina.send("Kata rufaa") == [OFFER.format(words=WORDS)]
    before = len(messages_to(uow_factory, grace_id))
    assert amina.send("ndiyo")[0] == (
        "Asante: wasimamizi wa jamii wamepokea ujumbe wako na watakujibu hapa."
    )
    [told] = messages_to(uow_factory, grace_id)[before:]
    assert f"Her words: “{WORDS}”." in told, told
