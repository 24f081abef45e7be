"""The People menu in Swahili, for a Swahili-speaking community manager, on both
databases."""

from __future__ import annotations

from collections.abc import Callable

from store.uow import UnitOfWorkFactory
from tests.integration.conversations.artisans_support import messages_to
from tests.integration.conversations.people.conftest import WhatsAppChat
from tests.integration.conversations.people.menu_support import (
    AMINA,
    NEEMA,
    SWAHILI_ASK,
    user_id,
)


def test_the_whole_menu_in_swahili_for_a_swahili_speaking_manager(
    grace: WhatsAppChat,
    amina: WhatsAppChat,
    on_whatsapp: Callable[..., WhatsAppChat],
    uow_factory: UnitOfWorkFactory,
) -> None:
    neema = on_whatsapp(NEEMA, name="Neema", locale_hint=None)
    neema.send("Habari")
    grace.send("People")
    grace.send(NEEMA)
    grace.send("Make community manager")
    assert messages_to(uow_factory, user_id(uow_factory, NEEMA))[-1] == (
        "Sasa wewe ni msimamizi wa jamii kwenye Soko. Tuma menyu kisha uchague “Kagua bidhaa” "
        "ili kuangalia bidhaa mpya, au “Watu” ili kuteua walezi."
    )
    menu = [line.split(". ", 1)[1] for line in neema.send("menyu")[0].splitlines()[1:]]
    assert menu[menu.index("Kagua bidhaa") + 1] == "Watu"
    assert neema.send("Watu") == [SWAHILI_ASK]
    card = (
        "Amina Wanjiru\nSimu: 0722 000444\nMajukumu: fundi\nDuka: Amina Beads, Kibera\n"
        "Duka lake linajitegemea.\nKarakana: haijawahi kutembelewa.\n1. Mfanye mlezi\n"
        "2. Simamisha duka\n3. Rekodi ziara\n4. Tafuta mtu mwingine\n5. Menyu"
    )
    assert neema.send("0722 000 444") == [card]
    assert neema.send("Mfanye mlezi") == [
        "Amina Wanjiru sasa ni mlezi; ameambiwa.",
        "Amina Wanjiru\nSimu: 0722 000444\nMajukumu: mlezi, fundi\n"
        "Duka: Amina Beads, Kibera\nDuka lake linajitegemea.\n"
        "Karakana: haijawahi kutembelewa.\n1. Asiwe mlezi tena\n2. Simamisha duka\n"
        "3. Rekodi ziara\n4. Tafuta mtu mwingine\n5. Menyu",
    ]
    assert neema.tap(f"pp:mentor:{user_id(uow_factory, AMINA)}")[0] == (
        "Amina Wanjiru tayari ni mlezi: hakuna kilichobadilika."
    )
    assert neema.send("Asiwe mlezi tena") == ["Amina Wanjiru si mlezi tena; ameambiwa.", card]
    asked = (
        "Kwa nini unasimamisha duka Amina Beads? Andika sababu fupi: ataisoma, na itawekwa "
        "kwenye kumbukumbu.\n1. Ghairi"
    )
    assert neema.send("Simamisha duka") == [asked]
    assert neema.send("ruka") == [
        "Duka husimamishwa tu kukiwa na sababu, kwa kuwa ataambiwa kwa nini. Tafadhali andika "
        "maneno machache, kwa mfano: picha za bidhaa ambazo hakutengeneza yeye.",
        asked,
    ]
    assert neema.send("Vipande vya plastiki") == [
        "Simamisha duka la Amina Wanjiru, Amina Beads? Hadi lifunguliwe tena, wanunuzi "
        "hawataona wala kununua bidhaa zake, zitaondolewa kwenye vikapu vya wanunuzi, oda "
        "ambazo bado hazijalipwa zitaghairiwa (wanunuzi wataambiwa), na hataweza kuweka bidhaa "
        "mpya wala kuwa mlezi wa mtu yeyote. Oda ambazo zimeshalipwa bado atazituma. Ataambiwa "
        "sababu, na jinsi ya kukata rufaa.\n1. Ndiyo\n2. Hapana"
    ]
    suspended = (
        "Amina Wanjiru\nSimu: 0722 000444\nMajukumu: fundi\nDuka: Amina Beads, Kibera\n"
        "Duka lake limesimamishwa.\nKarakana: haijawahi kutembelewa.\n1. Fungua duka tena\n"
        "2. Rekodi ziara\n3. Tafuta mtu mwingine\n4. Menyu"
    )
    assert neema.send("Hapana") == ["Hakuna kilichobadilika.", card]
    neema.send("Simamisha duka")
    neema.send("Vipande vya plastiki")
    assert neema.send("Ndiyo") == ["Duka Amina Beads limesimamishwa; ameambiwa.", suspended]
    assert neema.send("Fungua duka tena") == [
        "Duka Amina Beads limefunguliwa tena; ameambiwa.",
        card,
    ]
    assert neema.send("Tafuta mtu mwingine") == [SWAHILI_ASK]
    assert neema.send("vyungu") == [
        "Hakuna duka lenye “vyungu” kwenye jina lake. Andika namba ya simu au sehemu nyingine "
        "ya jina:\n1. Menyu"
    ]
    assert neema.send("0722 00") == [
        "Sitambui 0722 00 kama namba ya simu. Iandike kama 0712 345 678 au +254 712 345 678, "
        "au andika sehemu ya jina la duka:\n1. Menyu"
    ]
    assert neema.send("0733 111 222") == [
        "Bado hakuna mtu kwenye Soko anayejulikana kwa namba 0733 111222. Unaweza kumpa "
        "jukumu sasa: atalipata atakapoandika kwa mara ya kwanza kutoka namba hiyo.\n"
        "1. Mfanye mlezi akiandika\n2. Tafuta mtu mwingine\n3. Menyu"
    ]
    assert neema.send("Mfanye mlezi akiandika") == [
        "Sawa: atakayeandika kwanza kutoka 0733 111222 atakuwa mlezi.",
        SWAHILI_ASK,
    ]
    assert neema.send("Menyu")[0].startswith("Ungependa kufanya nini?")
