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
    iedere ieder zeer zoals zulke zeker onze jullie hebt had hadden word geworden zijnde dergelijke
    a an and are as at be by do does for from has have how i in is it its me of on or that the this to was what
    when where which who why will with you your about can could should would many much there their they them please tell
    usually often best good way ways need needs make get do did say says said more most other some any into than then
    also such these those been being were has had our we us one ones know according
    """.split()
)

# Question words and generic verbs carry no content for relevance or support.
VRAAGWOORDEN = frozenset(
    """
    wat welke welk wie waar wanneer hoe hoeveel waarom noem noemen geef geven vertel vertellen leg uit beschrijf
    kun kunt kan graag even eigenlijk precies ongeveer samen volgens staat staan zeggen zegt gezegd deed doet mee ga
    what which who where when how many much why list name give describe explain tell please does say says
    """.split()
)

ONTKENNINGEN = frozenset({"niet", "geen", "nooit", "niets", "nergens", "niemand", "not", "no", "never", "none", "nothing"})

TELWOORDEN = {
    "een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
    "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13, "veertien": 14, "vijftien": 15, "zestien": 16,
    "zeventien": 17, "achttien": 18, "negentien": 19, "twintig": 20,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "eighteen": 18,
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
    return len(s) >= 5 and any((s in p) or (len(p) >= 5 and p in s) for p in stammen)


def ontleed(s: str, woordenschat) -> list[str]:
    """Delen van een samenstelling die in de woordenschat staan: 'personeelsverlop' → ['verlop']."""
    if s in woordenschat or len(s) < 8:
        return []
    delen = [s[i:] for i in range(3, len(s) - 4) if s[i:] in woordenschat]
    delen += [s[:i] for i in range(len(s) - 3, 4, -1) if s[:i] in woordenschat]
    return delen[:2]


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
    """Woorden met hoofdletter die niet aan het begin van de zin staan (eigennamen)."""
    namen: set[str] = set()
    tokens = _WOORD.findall(normaliseer(zin))
    for i, t in enumerate(tokens):
        if i == 0 or not t[:1].isupper() or t.lower() in STOPWOORDEN or t.lower() in VRAAGWOORDEN:
            continue
        namen.add(t.lower())
    return namen


_LABEL = re.compile(r"\d+\.\s+[A-ZÀ-Ý][\w-]*(?:\s[\w-]+)?\.")
_AFKORTINGEN = ("bijv.", "bv.", "o.a.", "m.a.w.", "d.w.z.", "e.d.", "etc.", "nr.", "ca.", "vgl.", "J.", "M.", "e.g.", "i.e.")
_ZINSGRENS = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'‘(\[]?[A-ZÀ-Ý0-9–-])")


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


_ENGELS = frozenset("the and what which how who are is of does did to in with about many much were was can should".split())
_NEDERLANDS = frozenset("de het een en wat welke hoe wie zijn is van in met over hoeveel waren was kan moet die dat".split())


def taal_van(tekst: str) -> str:
    """'en' als de tekst Engels lijkt, anders 'nl'."""
    w = woorden(tekst)
    en = sum(x in _ENGELS for x in w)
    nl = sum(x in _NEDERLANDS for x in w)
    return "en" if en > nl else "nl"


# English questions: domain terms mapped to the Dutch words of the sources, for BM25 and sentence choice.
_WOORDENLIJST = {
    "recommendation": "aanbeveling", "recommendations": "aanbevelingen", "advice": "aanbevelingen",
    "neighbourhood": "wijk", "neighborhood": "wijk", "neighbourhoods": "wijken", "neighborhoods": "wijken",
    "district": "wijk", "districts": "wijken", "residents": "bewoners", "resident": "bewoners",
    "inhabitants": "inwoners", "population": "inwoners", "municipality": "gemeente", "municipalities": "gemeenten",
    "city": "gemeente", "participation": "participatie", "participate": "participatie", "lessons": "lessen",
    "programme": "experimentenprogramma", "program": "experimentenprogramma", "experiment": "experimenteren",
    "experimenting": "experimenteren", "trust": "vertrouwen", "ownership": "eigenaarschap",
    "turnover": "verloop", "staff": "personele", "handover": "overdracht", "continuity": "continuïteit",
    "liveability": "leefbaarheid", "livability": "leefbaarheid", "sustainability": "duurzaamheid",
    "vulnerable": "kwetsbare", "learning": "lerende", "monitoring": "monitoring", "coalition": "coalitie",
    "council": "gemeenteraad", "scale": "schaalniveaus", "levels": "niveaus", "linking": "koppelkansen",
    "opportunities": "koppelkansen", "integrated": "integrale", "integral": "integrale", "approach": "aanpak",
    "transition": "transitie", "energy": "energietransitie", "heat": "warmtetransitie", "gas": "aardgasvrij",
    "hard-to-reach": "moeilijk bereikbare", "reach": "bereiken", "conclusions": "conclusies",
    "participating": "deelnemende", "participated": "deelnemende", "part": "deelnemende", "took": "deelnemende",
    "perspective": "perspectief", "common": "gemeenschappelijk", "shared": "gemeenschappelijk",
    "experimental": "experimenteren", "pioneers": "pioniers", "coordination": "afstemming",
    "alignment": "afstemming", "costs": "kost", "cost": "kost", "price": "prijs", "subsidy": "subsidie",
    "many": "hoeveel", "team": "kernteam", "seven": "zeven", "eighteen": "achttien", "three": "drie",
    "fifteen": "vijftien", "left": "verlaten", "leave": "verlaten", "early": "voortijdig", "prematurely": "voortijdig",
    "joined": "stroomden", "started": "start", "start": "start", "began": "start", "began.": "start",
    "year": "jaar", "years": "jaar", "lesson": "les", "important": "belangrijke", "main": "belangrijke",
    "example": "voorbeeld", "examples": "voorbeelden", "key": "sleutelpersonen", "people": "mensen",
    "organisations": "organisaties", "organizations": "organisaties", "behind": "onderzochten",
    "policy": "beleid", "policymakers": "beleidsmakers", "professionals": "professionals", "poverty": "armoede",
    "communication": "communicatie", "trustworthy": "vertrouwen", "transparent": "transparant",
    "involve": "betrekken", "involved": "betrokken", "involving": "betrekken", "groups": "groepen",
    "difficult": "moeilijk", "sewer": "riolering", "sewage": "riolering", "heating": "warmtenet",
    "network": "warmtenet", "district heating": "warmtenet", "success": "succes", "successes": "successen",
    "obstacles": "obstakels", "barriers": "knelpunten", "bottlenecks": "knelpunten", "capacity": "capaciteit",
    "rules": "regels", "financial": "financiële", "means": "middelen", "resources": "middelen",
    "neighbourhood-oriented": "wijkgerichte", "area": "gebiedsanalyse", "analysis": "gebiedsanalyse",
    "vision": "visie", "stakeholders": "stakeholders", "management": "management", "competences": "competenties",
    "skills": "competenties", "knowledge": "kennis", "networks": "netwerken", "reflection": "reflectie",
    "complexity": "complexiteit", "embrace": "omarm", "conditions": "randvoorwaarden", "cooperation": "samenwerking",
    "collaboration": "samenwerking", "dare": "durf", "invest": "investeer", "switch": "schakel",
}


_BEDRAGVRAAG = re.compile(r"\b(wat|hoeveel)\s+(kost|kosten|bedraagt|bedragen)\b|\b(prijs|prijzen|bedrag|bedragen|euro|"
                         r"subsidiebedrag\w*|tarief|tarieven)\b|\b(how much|price|cost|costs|amount)\b", re.I)
_BEDRAG = re.compile(r"€|\beuro\b|\bEUR\b|\b\d+(?:[.,]\d+)*\s*(?:mln|miljoen|miljard)\b", re.I)


def vraagt_bedrag(vraag: str) -> bool:
    """Of de vraag naar een geldbedrag of prijs vraagt."""
    return bool(_BEDRAGVRAAG.search(vraag))


def bevat_bedrag(tekst: str) -> bool:
    """Of de tekst een geldbedrag noemt."""
    return bool(_BEDRAG.search(tekst))


def naar_nederlands(tekst: str) -> str:
    """Voor een Engelse vraag: de Nederlandse termen van de bronnen, plus namen en getallen."""
    uit: list[str] = []
    for w in _WOORD.findall(normaliseer(tekst)):
        lw = w.lower()
        if lw in _WOORDENLIJST:
            uit.append(_WOORDENLIJST[lw])
        elif lw not in STOPWOORDEN and lw not in VRAAGWOORDEN and lw not in ONTKENNINGEN:
            # Untranslated words stay: names still match, and unknown terms ('pump') count as not covered.
            uit.append(w)
    return " ".join(uit)
