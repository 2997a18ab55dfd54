"""Nederlandse tekstbewerking: woorden, stammen, stopwoorden, zinnen, getallen."""

import re
import unicodedata
from functools import lru_cache

import Stemmer

_STAMMER = Stemmer.Stemmer("dutch")
_STAMMER_EN = Stemmer.Stemmer("english")

STOPWOORDEN = frozenset(
    """
    aan al alle alles als alleen altijd andere ben bij daar daarom dan dat de der des deze die dit doch doen door
    dus een eens en er ge geen geweest haar had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je
    jij jou jouw jullie kan kon kunnen kun later maar me meer men met mij mijn moet moeten na naar nee niet niets nog nu
    of om omdat onder ons onze ook op over reeds te tegen toch toen tot u uit uw van veel voor want waren was wat we wel
    werd wie wij wil worden wordt zal ze zelf zich zij zijn zo zonder zou zouden welke welk waar wanneer hoeveel waarom
    hun hen ie zou heel erg mag mogen kunt gaat gaan gaan worden werden hierbij daarbij waarbij wel beetje elk elke
    iedere ieder qua zeer zoals zulke zeker onze jullie hebt had hadden word geworden zijnde dergelijke
    a an and are as at be by do does for from has have how i in is it its me of on or that the this to was what
    when where which who why will with you your about can could should would many much there their they them please tell
    usually often best good way ways need needs make get do did say says said more most other some any into than then
    also such these those been being were has had our we us one ones know according after before
    """.split()
)

# Question words and generic verbs carry no content for relevance or support.
VRAAGWOORDEN = frozenset(
    """
    wat welke welk wie waar wanneer hoe hoeveel waarom noem noemen geef geven vertel vertellen leg uit beschrijf
    kun kunt kan graag even eigenlijk precies ongeveer samen volgens staat staan zeggen zegt gezegd deed doet mee ga
    weet weten know
    what which who where when how many much why list name give describe explain tell please does say says
    """.split()
)

# Words by which a question refers to the sources themselves ('volgens het rapport'), as stems.
BRONVERWIJZING = frozenset(_STAMMER.stemWord(w) for w in """publicatie publicaties rapport rapporten samenvatting
    document documenten bron bronnen onderzoek onderzoekers auteurs tekst report reports publication publications summary
    study research authors source sources les lessen lesson lessons""".split())

# Words that make a publication itself the subject: its title, its name, when it appeared.
_NAAR_DE_BRON = frozenset(_STAMMER.stemWord(w) for w in """titel titels title titles heet heette heten naam name
    called named verschenen verscheen uitgebracht published""".split())

ONTKENNINGEN = frozenset({"niet", "geen", "nooit", "niets", "nergens", "niemand", "not", "no", "never", "none", "nothing"})

TELWOORDEN = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
    "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "dertig": 30, "thirty": 30, "veertig": 40,
    "forty": 40, "vijftig": 50, "fifty": 50, "honderd": 100, "hundred": 100,
}

_WOORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
_GETAL = re.compile(r"(?<![\w.,])\d{1,3}(?:[. ]\d{3})+(?:,\d+)?(?![\w])|(?<![\w.,])\d+(?:,\d+)?(?![\w])")


def normaliseer(tekst: str) -> str:
    """Unicode-normalisatie en eenvormige aanhalingstekens/streepjes."""
    tekst = unicodedata.normalize("NFC", tekst)
    return tekst.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("\u00ad", "")


def woorden(tekst: str) -> list[str]:
    """Woorden en getallen in volgorde, kleine letters."""
    return [w.lower() for w in _WOORD.findall(normaliseer(tekst))]


@lru_cache(maxsize=200_000)
def stam(woord: str) -> str:
    """Nederlandse stam van één woord (kleine letters)."""
    if woord[:1].isdigit():
        return woord
    # Stem each part of a hyphenated compound so 'Zandweerd-Noord' still matches 'noord'.
    return "-".join(_STAMMER.stemWord(deel) for deel in woord.split("-") if deel)


def vertaalbaar(woord: str) -> bool:
    """Of een woord een vertaling naar een bronwoord krijgt: letters alleen, vier of meer."""
    return len(woord) >= 4 and woord.isalpha()


def inhoudswoorden(tekst: str) -> list[str]:
    """Woorden zonder stopwoorden en vraagwoorden."""
    return [w for w in woorden(tekst) if w not in STOPWOORDEN and w not in VRAAGWOORDEN and (len(w) > 1 or w.isdigit())]


def stammen(tekst: str) -> list[str]:
    """Gestamde inhoudswoorden; samengestelde woorden met koppelteken ook per deel."""
    uit: list[str] = []
    for w in inhoudswoorden(tekst):
        s = stam(w)
        uit.append(s)
        if "-" in s:
            uit.extend(d for d in s.split("-") if len(d) > 2)
    return uit


def dekt(s: str, stammen: set[str]) -> bool:
    """Of stam s in de stammen voorkomt, ook als deel van een samenstelling ('warmtetransitie' ↔ 'transitie')."""
    if s in stammen:
        return True
    # A number word inside a longer word is a number ('vijftienduizend'), not a part to match on.
    return len(s) >= 5 and s not in TELWOORDEN and any(
        (s in p) or (len(p) >= 5 and p in s and p not in TELWOORDEN) for p in stammen)


def ontleed(s: str, woordenschat) -> list[str]:
    """Delen van een samenstelling die in de woordenschat staan: 'personeelsverlop' → ['verlop']."""
    if s in woordenschat or len(s) < 8:
        return []
    delen = [s[i:] for i in range(3, len(s) - 4) if s[i:] in woordenschat]
    delen += [s[:i] for i in range(len(s) - 3, 4, -1) if s[:i] in woordenschat]
    # 'vijftienduizend' is a number, not about the fifteen municipalities.
    return [d for d in delen if d not in TELWOORDEN][:2]


_BRONWOORD = r"(?:publicaties?|rapport(?:en)?|samenvatting|documenten|document|bronnen|bron|onderzoek|onderzoekers|" \
    r"auteurs|tekst|programma|experimentenprogramma|report|publication|summary|study|research|authors|programme|program)"
_BRONZINSDEEL = re.compile(
    rf"\b(?:volgens|according to)\s+(?:de|het|dit|deze|die|dat|the|this|that)\s+{_BRONWOORD}\b"
    rf"|\b(?:de|het|dit|deze|the|this)\s+{_BRONWOORD}\b(?=\s+(?:zegt|zeggen|stelt|noemt|leert|beschrijft|raadt|says|say|"
    rf"describes|mean|means|tell|tells|recommend|recommends))"
    rf"|\b(zegt|stelt|leert|noemt|raadt|vindt|does)\s+(?:de|het|dit|the|this)\s+{_BRONWOORD}\b", re.I)


def _naar_de_bron(stammen_: list[str]) -> bool:
    """Of de vraag de publicatie zelf tot onderwerp maakt (haar titel, wanneer ze verscheen)."""
    return any(s in _NAAR_DE_BRON for s in stammen_)


def zonder_bronzinsdeel(tekst: str) -> str:
    """De vraag zonder 'volgens de publicatie' en dergelijke: die verwijzen naar de bron, niet naar het onderwerp."""
    if _naar_de_bron(stammen(tekst)):
        return tekst  # 'Wat is de titel van het rapport?': the report is the subject
    kaal = re.sub(r"\s{2,}", " ", _BRONZINSDEEL.sub(lambda m: m.group(1) or "", tekst)).strip()
    kaal = re.sub(r"\s+([?.!,])", r"\1", kaal)
    return kaal if inhoudswoorden(kaal) else tekst


def zonder_bronverwijzing(stammen_: list[str]) -> list[str]:
    """Stammen zonder de woorden waarmee een vraag naar de bron zelf verwijst, tenzij er dan niets overblijft."""
    if _naar_de_bron(stammen_):
        return stammen_  # 'titel rapport 2019': then the report is what is asked about
    return [s for s in stammen_ if s not in BRONVERWIJZING] or stammen_


def tokens_voor_bm25(tekst: str) -> list[str]:
    """Tokens voor BM25: gestamde inhoudswoorden (stopwoorden eruit)."""
    return stammen(tekst)


def getallen(tekst: str) -> set[str]:
    """Alle getallen, genormaliseerd (17.335 → 17335), plus telwoorden als cijfers."""
    tekst = normaliseer(tekst)
    uit = {re.sub(r"[. ]", "", g).replace(",", ".") for g in _GETAL.findall(tekst)}
    for w in woorden(tekst):
        if w in TELWOORDEN and w not in {"een"}:
            uit.add(str(TELWOORDEN[w]))
    return uit


def eigennamen(zin: str) -> set[str]:
    """Woorden met hoofdletter die niet aan het begin van een zin staan (eigennamen)."""
    namen: set[str] = set()
    tekst = normaliseer(zin)
    for m in _WOORD.finditer(tekst):
        t = m.group(0)
        # The first word of every sentence is capitalised anyway ('… de eigen koker. Herkent het onderzoek dat?').
        voor = tekst[max(0, m.start() - 8):m.start()].rstrip(" \t\n\"'‘“(")
        zinsbegin = (not voor and not tekst[:m.start()].strip(" \t\n\"'‘“(")) or voor.endswith((".", "?", "!"))
        if zinsbegin or not t[:1].isupper() or t.lower() in STOPWOORDEN or t.lower() in VRAAGWOORDEN:
            continue
        namen.add(t.lower())
    return namen


_LABEL = re.compile(r"\d+\.\s+[A-ZÀ-Ý][\w-]*(?:\s[\w-]+)?\.")
_AFKORTINGEN = ("bijv.", "bv.", "o.a.", "m.a.w.", "d.w.z.", "e.d.", "etc.", "nr.", "ca.", "vgl.", "J.", "M.", "e.g.", "i.e.")
# A year in brackets after a title ending in '?' continues the sentence: "… 'Betere wijken …?' (2019) onderzochten we".
_ZINSGRENS = re.compile(r"(?<=[.!?])[\"')\]’]*\s+(?!\(\d{4}\)\s+[a-zà-ÿ])(?=[\"'‘(\[]?[A-ZÀ-Ý0-9–-])")


def zinnen(tekst: str) -> list[tuple[int, int]]:
    """Zinnen als (begin, eind)-posities in de tekst; regels blijven apart (opsommingen)."""
    uit: list[tuple[int, int]] = []
    pos = 0
    for regel in tekst.split("\n"):
        begin_regel = pos
        pos += len(regel) + 1
        start = 0
        for m in _ZINSGRENS.finditer(regel):
            voor = regel[max(0, m.start() - 6) : m.start()]
            if any(voor.endswith(a) for a in _AFKORTINGEN) or re.search(r"\b\w\.$", voor):
                continue
            stuk = regel[start : m.start()]
            if _LABEL.fullmatch(stuk.strip()):
                continue  # '1. Koppelkansen. Dit is …': the label belongs to the sentence after it
            if stuk.strip():
                uit.append(_trim(begin_regel + start, begin_regel + m.start(), tekst))
            start = m.end()
        if regel[start:].strip():
            uit.append(_trim(begin_regel + start, begin_regel + len(regel), tekst))
    return uit


def _trim(begin: int, eind: int, tekst: str) -> tuple[int, int]:
    while begin < eind and tekst[begin].isspace():
        begin += 1
    while eind > begin and tekst[eind - 1].isspace():
        eind -= 1
    return begin, eind


_ENGELS = frozenset("the and what which how who are is of does did to in with about many much were was can should than"
                    .split())
_NEDERLANDS = frozenset("de het een en wat welke hoe wie zijn is van in met over hoeveel waren was kan moet die dat".split())


def taal_van(tekst: str) -> str:
    """'en' als de tekst Engels lijkt, anders 'nl'."""
    w = woorden(tekst)
    en = sum(x in _ENGELS for x in w)
    nl = sum(x in _NEDERLANDS for x in w)
    return "en" if en > nl else "nl"
