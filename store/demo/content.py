"""Who and what is in the demo shop: a mentor with two recruits, an independent artisan,
a community manager, a buyer in Berlin, and two dozen pieces across every category."""

from __future__ import annotations

from dataclasses import dataclass

from store.models import Category


@dataclass(frozen=True)
class DemoPerson:
    key: str  # what `soko chat --as KEY` takes
    name: str
    locale: str
    phone: str


@dataclass(frozen=True)
class DemoArtisan:
    person: DemoPerson
    shop_name: str
    location: str
    story: str
    mentor_key: str | None = None
    independent: bool = False
    mentor: bool = False


@dataclass(frozen=True)
class DemoPiece:
    artisan_key: str
    title: str
    category: Category
    price_kes: int
    stock: int
    materials: tuple[str, ...]
    description: str


WANJIRU = DemoPerson("wanjiru", "Wanjiru Kamau", "sw", "+254711000001")
ACHIENG = DemoPerson("achieng", "Achieng Otieno", "sw", "+254711000002")
AMINA = DemoPerson("amina", "Amina Hassan", "en", "+254711000003")
NALIAKA = DemoPerson("naliaka", "Naliaka Wafula", "en", "+254711000004")
GRACE = DemoPerson("grace", "Grace Mutua", "en", "+254711000005")
LENA = DemoPerson("lena", "Lena Fischer", "en", "+4915112345678")

ARTISANS = (
    DemoArtisan(
        WANJIRU,
        "Wanjiru Beads",
        "Kibera, Nairobi",
        "I learned beadwork from my grandmother in Nyeri and have sold at Maasai Market for "
        "twelve years. Today I teach young mothers in Kibera to make and sell their own work.",
        independent=True,
        mentor=True,
    ),
    DemoArtisan(
        ACHIENG,
        "Achieng Creations",
        "Kawangware, Nairobi",
        "Mama wa watoto watatu. Ninatengeneza bangili kwa shanga za kioo na shaba iliyotumika "
        "tena; kila kipande kinalipia karo ya shule.",
        mentor_key="wanjiru",
    ),
    DemoArtisan(
        AMINA,
        "Amina Horn & Bone",
        "Eastleigh, Nairobi",
        "I carve cow horn and bone left over from the butchers of Eastleigh into earrings and "
        "pendants, polished by hand with sand and oil.",
        mentor_key="wanjiru",
    ),
    DemoArtisan(
        NALIAKA,
        "Kitengela Glass Drops",
        "Kitengela, Kajiado",
        "Broken bottles from Nairobi's bars become my beads: I melt, shape and anneal them in "
        "a small kiln our women's group built together.",
        independent=True,
    ),
)
COMMUNITY_MANAGER = GRACE
BUYER = LENA
PEOPLE = (WANJIRU, ACHIENG, AMINA, NALIAKA, GRACE, LENA)

PIECES = (
    DemoPiece(
        "wanjiru",
        "Maasai collar necklace",
        Category.NECKLACE,
        3500,
        2,
        ("glass beads", "upcycled brass wire"),
        "A wide beaded collar in red, blue and white, strung on brass wire.",
    ),
    DemoPiece(
        "wanjiru",
        "Sunset bead necklace",
        Category.NECKLACE,
        1800,
        3,
        ("glass beads", "cotton thread"),
        "Orange and gold glass beads, knotted by hand.",
    ),
    DemoPiece(
        "wanjiru",
        "Mkufu wa shanga za bluu",
        Category.NECKLACE,
        1500,
        4,
        ("shanga za kioo", "shaba"),
        "Mkufu wa shanga za bluu na nyeupe, wenye kishaufu.",
    ),
    DemoPiece(
        "wanjiru",
        "Beaded wedding bracelet",
        Category.BRACELET,
        1200,
        5,
        ("glass beads", "leather"),
        "Worn by Kikuyu brides; white and gold beads.",
    ),
    DemoPiece(
        "wanjiru",
        "Flag colours anklet",
        Category.ANKLET,
        700,
        6,
        ("glass beads", "elastic cord"),
        "Black, red, green and white: Kenya on your ankle.",
    ),
    DemoPiece(
        "wanjiru",
        "Brass drop earrings",
        Category.EARRINGS,
        900,
        4,
        ("upcycled brass",),
        "Hammered brass from old padlocks, light to wear.",
    ),
    DemoPiece(
        "achieng",
        "Bangili ya shanga",
        Category.BRACELET,
        600,
        8,
        ("shanga za kioo", "shaba iliyotumika tena"),
        "Bangili nyembamba, rangi za jua.",
    ),
    DemoPiece(
        "achieng",
        "Copper wire cuff",
        Category.BRACELET,
        1100,
        3,
        ("recycled copper wire",),
        "Copper from old motor windings, twisted and polished.",
    ),
    DemoPiece(
        "achieng",
        "Lake Victoria anklet",
        Category.ANKLET,
        650,
        5,
        ("glass beads", "brass"),
        "Blue and silver beads like the lake at Kisumu.",
    ),
    DemoPiece(
        "achieng",
        "Beaded ring set",
        Category.RING,
        500,
        10,
        ("glass beads",),
        "Three stacking rings in the colours you choose.",
    ),
    DemoPiece(
        "achieng",
        "Hereni za shanga",
        Category.EARRINGS,
        550,
        6,
        ("shanga za kioo", "shaba"),
        "Hereni ndogo za shanga nyekundu na nyeupe.",
    ),
    DemoPiece(
        "achieng",
        "Market day necklace",
        Category.NECKLACE,
        1300,
        2,
        ("glass beads", "sisal"),
        "Long necklace with sisal tassels.",
    ),
    DemoPiece(
        "amina",
        "Horn crescent earrings",
        Category.EARRINGS,
        1400,
        4,
        ("cow horn", "brass hooks"),
        "Crescents cut from cow horn, hand-polished.",
    ),
    DemoPiece(
        "amina",
        "Bone and bead necklace",
        Category.NECKLACE,
        2200,
        2,
        ("bone", "glass beads"),
        "Carved bone pendants between amber beads.",
    ),
    DemoPiece(
        "amina",
        "Horn ring",
        Category.RING,
        800,
        5,
        ("cow horn",),
        "A smooth dark ring turned from one piece of horn.",
    ),
    DemoPiece(
        "amina",
        "Bone bangle",
        Category.BRACELET,
        1600,
        2,
        ("bone",),
        "A solid bangle, carved and oiled.",
    ),
    DemoPiece(
        "amina",
        "Horn hair pin",
        Category.OTHER,
        750,
        3,
        ("cow horn",),
        "A hair pin for braids, with a bead at the end.",
    ),
    DemoPiece(
        "amina",
        "Pembe pendant",
        Category.NECKLACE,
        1250,
        3,
        ("pembe", "ngozi"),
        "Kishaufu cha pembe kwenye kamba ya ngozi.",
    ),
    DemoPiece(
        "naliaka",
        "Green bottle glass necklace",
        Category.NECKLACE,
        2600,
        3,
        ("recycled glass", "brass"),
        "Beads from green beer bottles, kiln-made.",
    ),
    DemoPiece(
        "naliaka",
        "Amber glass earrings",
        Category.EARRINGS,
        1000,
        5,
        ("recycled glass", "brass hooks"),
        "Warm amber drops that catch the light.",
    ),
    DemoPiece(
        "naliaka",
        "Sea glass bracelet",
        Category.BRACELET,
        1500,
        4,
        ("recycled glass", "cotton cord"),
        "Frosted glass beads on an adjustable cord.",
    ),
    DemoPiece(
        "naliaka",
        "Glass bead ring",
        Category.RING,
        650,
        6,
        ("recycled glass", "brass"),
        "One bright bead set on a brass band.",
    ),
    DemoPiece(
        "naliaka",
        "Bottle blue anklet",
        Category.ANKLET,
        800,
        4,
        ("recycled glass", "elastic cord"),
        "Cobalt blue from old medicine bottles.",
    ),
    DemoPiece(
        "naliaka",
        "Kiln-fired key ring",
        Category.OTHER,
        400,
        12,
        ("recycled glass", "upcycled steel ring"),
        "A chunky glass bead on a key ring.",
    ),
)
COLLECTION_TITLE = "Kenya Collection"
COLLECTION_SLUG = "kenya-collection"
COLLECTION_DESCRIPTION = "Pieces chosen by our community managers: upcycled, hand-made, fair."
COLLECTION_TITLE_SW = "Mkusanyiko wa Kenya"
COLLECTION_DESCRIPTION_SW = (
    "Vipande vilivyochaguliwa na wasimamizi wetu wa jamii: vya mikono, vya kutumia tena, vya haki."
)
COLLECTION_PIECES = (
    "Maasai collar necklace",
    "Horn crescent earrings",
    "Green bottle glass necklace",
    "Copper wire cuff",
    "Bone and bead necklace",
    "Flag colours anklet",
)
