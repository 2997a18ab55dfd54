"""Vraaganalyse, één keer per vraag: taal, soort vraag, rangtelwoorden, vergelijkingen en entiteiten uit de index."""

import re
import unicodedata
from dataclasses import dataclass, field

from llama_index.core.schema import TextNode

from assistent import taal

# ----- general linguistic cues (Dutch and English); nothing here names anything in the sources -----

_RANGTELWOORDEN = {
    "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4, "vijfde": 5, "zesde": 6, "zevende": 7, "achtste": 8,
    "negende": 9, "tiende": 10, "laatste": -1, "voorlaatste": -2, "allerlaatste": -1, "allereerste": 1,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "last": -1, "penultimate": -2,
}
_RANG_CIJFER = re.compile(r"\b(\d{1,2})\s*(?:e|de|ste|st|nd|rd|th)\b", re.I)
_NUMMER = re.compile(r"(?:\b(?:nummer|nr\.?|number|no\.?)|#)\s*(\d{1,2}|" + "|".join(taal.TELWOORDEN) + r")\b", re.I)
_RANG_WOORD = "|".join(sorted(_RANGTELWOORDEN, key=len, reverse=True))
_SUBPUNT = re.compile(rf"\b(?:({_RANG_WOORD})|(\d{{1,2}})\s*(?:e|de|ste|st|nd|rd|th))\s+(?:\w+\s+)?"
                      r"(?:sub-?punt|sub-?point|punt|point|onderdeel|item|bullet|actiepunt)\w*\b|"
                      r"\b(?:sub-?punt|sub-?point|punt|point|bullet|item)\s+(\d{1,2})\b", re.I)

# Where a question word opens a question: at the start, or after a clause break ('…, en wanneer …', '? Wanneer').
_VRAAGBEGIN = r"(?:^|[,;:?!.]\s*|\b(?:en|and|of|or)\s+)\s*(?:(?:en|and|maar|but)\s+)?"
_SOORTEN = {
    "lijst": re.compile(r"\b(welke|noem|opsom\w*|overzicht|lijst|alle|which|list|name the|what are|wat zijn)\b", re.I),
    "getal": re.compile(r"\b(hoeveel|aantal|how many|how much|number of)\b", re.I),
    # 'wanneer'/'when' asks for a moment only as the question word; mid-sentence it is a conjunction ('Hoe ging het
    # wanneer iemand vertrok?').
    "tijd": re.compile(rf"{_VRAAGBEGIN}(wanneer|when)\b|\b(welk jaar|in welk jaar|hoe lang|sinds wanneer|vanaf wanneer|"
                       r"tot wanneer|how long|what year|which year)\b", re.I),
    "duur": re.compile(r"\b(hoe lang|how long|hoeveel (jaar|jaren|maanden|weken)|how many (years|months|weeks))\b", re.I),
    "tijdstip": re.compile(rf"{_VRAAGBEGIN}(wanneer|when)\b|\b(welk jaar|in welk jaar|sinds wanneer|vanaf wanneer|"
                           r"tot wanneer|what year|which year)\b", re.I),
    "wie": re.compile(r"\b(wie|who|whom|welke organisaties|which organi[sz]ations)\b", re.I),
    "waar": re.compile(r"^\s*(waar|where)\b|\bin welke (gemeente|stad|plaats|provincie)\b", re.I),
    "definitie": re.compile(r"^\s*(wat\s+(is|zijn|betekent|betekenen|houdt|houden|bedoel\w*|verstaat)|what\s+(is|are|does|"
                            r"do)|leg\s+uit|explain|define)\b|\b(verschil|difference|betekenis|meaning|definitie)\b", re.I),
    "waarom": re.compile(r"\b(waarom|waardoor|hoe komt|why|what causes|redenen|reasons?|(?:om|welke|de) reden)\b", re.I),
    "hoe": re.compile(r"^\s*(hoe|how)\b(?!\s+(lang|veel|many|much|long))|\bop welke manier\b|\bwhat can\b|\bwat kan\b", re.I),
    "voorbeeld": re.compile(r"\b(voorbeeld\w*|bijvoorbeeld|example\w*|for instance)\b", re.I),
}
_JANEE = re.compile(r"^\s*(is|zijn|was|waren|heeft|hebben|had|hadden|kan|kunnen|kon|moet|moeten|maakt|maken|doet|doen|"
                    r"deed|deden|gaat|gaan|wordt|worden|werd|zal|zullen|speelt|spelen|klopt|bestaat|levert|leverde|"
                    r"does|do|did|are|were|has|have|can|could|should|will|would)\b", re.I)
_GELD = re.compile(r"\b(kost\w*|gekost|prijs|prijzen|bedrag\w*|euro|budget\w*|geld|subsidie\w*|tarie[fv]\w*|begroting|"
                   r"investering\w*|cost\w*|price\w*|amount|money|funding|subsid\w*)\b", re.I)
_HOEVEEL_GELD = re.compile(r"\b(wat|hoeveel)\s+(kost|kosten|kostte|bedraagt|bedragen)\b|\bhow much\b|\bhoe duur\b|"
                           r"\b(wat|what)\s+(is|zijn|are|was|were)\s+(de|het|the)\s+(\w+\s+)?(prijs|kosten|price|cost|costs)\b",
                           re.I)
_HOEVEEL = re.compile(r"\b(?:hoeveel|aantal|how many|number of)\s+(.*)", re.I)
# People by their role (Dutch): asked is the person in a role ('Welke minister …', 'Wie was bij X de projectleider?'),
# not a role as subject ('Waarom durven de auteurs …').
_ROLLEN = (r"(minister|staatssecretaris|directeur|directrice|wethouder|burgemeester|gedeputeerde|projectleider|"
           r"programmamanager|programmaleider|voorzitter|woordvoerder|contactpersoon|onderzoeker|auteur|schrijver|"
           r"hoogleraar)s?")
_PERSOONSROL = re.compile(rf"\bwelke\s+(?:\w+\s+)?{_ROLLEN}\b|\bwie\b[^?.,;]{{0,40}}?\b{_ROLLEN}\b", re.I)
# The context a follow-up carries along at its end: '… vorm? (lichtste vorm opgaven)'.
_MEEGENOMEN = re.compile(r"\s*\([^()]*\)\s*$")
_BEDRAG_IN_TEKST = re.compile(r"€|\beuro\b|\bEUR\b|\b\d+(?:[.,]\d+)*\s*(?:mln|miljoen|miljard)\b", re.I)
_MAX = re.compile(r"\b(grootste|meeste|hoogste|grootst|meest|largest|biggest|most|highest)\b", re.I)
_MIN = re.compile(r"\b(kleinste|minste|laagste|kleinst|minst|smallest|fewest|least|lowest)\b", re.I)
_VERGELIJKING = re.compile(
    r"\b(meer|minder|groter|kleiner|boven(?:\s+de)?|onder(?:\s+de)?|ruim|over|more|fewer|less|larger|bigger|smaller|"
    r"above|below|under)\s*(?:dan|than)?\s+(\d{1,3}(?:[.,\s]\d{3})+|\d+)\b", re.I)
_TUSSEN = re.compile(r"\b(?:tussen|between)\s+(?:de\s+)?(\d{1,3}(?:[.,]\d{3})+|\d+)\s+(?:en|and)\s+(\d{1,3}(?:[.,]\d{3})+|\d+)", re.I)
_OP_EEN_NA = re.compile(r"\bop\s+(één|een|twee|drie)\s+na\b(\s+laatste\b)?", re.I)
# Standard prompt-injection phrasings: they are stripped before the question is read.
_INJECTIE = re.compile(r"(negeer|vergeet|ignore|forget|disregard)\b[^.?!]*\b(instructies|regels|instructions|rules|"
                       r"prompt)\b[^.?!]*[.?!:]?|\b(system\s*prompt|systeemprompt|je bent nu|you are now)\b[^.?!]*[.?!:]?|"
                       r"^\s*(systeem|system)\s*:[^.?!]*[.?!]?|</?\w+>", re.I)
_GROTER = re.compile(r"\b(groter|meer|larger|bigger|more)\b", re.I)
_KLEINER = re.compile(r"\b(kleiner|minder|smaller|fewer|less)\b", re.I)
_SPLITS = re.compile(r"\?\s+|\s+(?:en|and)\s+(?=(?:wat|wie|hoe|hoeveel|welke|welk|wanneer|waarom|waar|what|who|how|"
                     r"which|when|why|where)\b)", re.I)
_VERWIJZING = re.compile(r"\b(daar|daarvan|daarin|daarbij|daarmee|daarover|daardoor|daarvoor|daaraan|daartoe|daarna|"
                         r"ervan|erin|erbij|ervoor|ermee|erover|eraan|hiervan|hierbij|hiervoor|hiermee|hierover|hierin|"
                         r"hij|zij|hun|hen|ze|dezelfde|diezelfde|datzelfde|it|its|they|them|their|there|those|that one|"
                         r"this one)\b", re.I)
_AANWIJZEND = re.compile(r"\b(die|deze|dat|dit|this|that|these)\s+([a-zà-ÿ]{3,})\b", re.I)
# After these a demonstrative points back ('heeft die wijk', 'in die gemeente'), not a relative clause.
_VOOR_AANWIJZEND = frozenset("""in op bij van voor met uit aan over naar door tot heeft had hebben hadden is was zijn waren
    telt ligt deed deden doet doen speelt speelde kreeg krijgt wat welke hoe waar wie hoeveel en of of in of about for
    from with at does did do is was are were has have had""".split())
# A demonstrative standing alone ('Waarom is dat?', 'Waarom is die zo belangrijk?') points back.
_LOS_AANWIJZEND = re.compile(r"\b(die|deze|dat|dit|that|this)\b(?=\s*(?:[?.!,]|$)|\s+(?:zo|dan|nu|ook|wel|niet|precies|"
                             r"eigenlijk|echt|so|then|now|also|really)\b)", re.I)
_ELLIPS = re.compile(r"^\s*(en|ook|and|what about|how about|hoe zit het met|en hoe zit het met)\b", re.I)
SOORT_WOORDEN = {
    "aanbeveling": re.compile(r"\b(aanbeveling\w*|aanbevol\w*|advie[sz]\w*|tips?|recommendation\w*|recommend\w*)\b", re.I),
}


def zonder_accenten(tekst: str) -> str:
    """Kleine letters zonder diakrieten, voor tolerant vergelijken."""
    return "".join(c for c in unicodedata.normalize("NFKD", tekst.lower()) if not unicodedata.combining(c))


def afstand(a: str, b: str, grens: int = 2) -> int:
    """Levenshtein-afstand (met verwisseling van twee buren), afgekapt op grens + 1."""
    if abs(len(a) - len(b)) > grens:
        return grens + 1
    vorige2, vorige = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        huidig = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            huidig[j] = min(vorige[j] + 1, huidig[j - 1] + 1, vorige[j - 1] + (ca != cb))
            if vorige2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                huidig[j] = min(huidig[j], vorige2[j - 2] + 1)
        if min(huidig) > grens:
            return grens + 1
        vorige2, vorige = vorige, huidig
    return vorige[-1]


def _tolerantie(lengte: int) -> int:
    return 0 if lengte < 5 else 1 if lengte < 9 else 2


# ----- what the index holds: names, recommendations, headings -----

@dataclass
class Entiteit:
    """Iets met een naam dat de index kent: een wijk of gemeente (uit een tabel), een aanbeveling, een sectie."""

    soort: str
    naam: str
    nodes: list[TextNode] = field(default_factory=list)
    nummer: int | None = None


@dataclass
class Namen:
    """Register van de namen in de index, met varianten om vragen tolerant te lezen."""

    varianten: dict[str, list[Entiteit]] = field(default_factory=dict)
    aanbevelingen: dict[str, dict[int, TextNode]] = field(default_factory=dict)
    secties: dict[str, list[TextNode]] = field(default_factory=dict)
    tabelwoorden: set[str] = field(default_factory=set)
    afkortingen: dict[str, str] = field(default_factory=dict)

    @classmethod
    def uit(cls, nodes: list[TextNode], veelvoorkomend) -> "Namen":
        """Bouw het register uit de fragmenten; `veelvoorkomend(woord)` zegt of een woord te algemeen is als naam."""
        reg = cls()
        per_naam: dict[tuple[str, str], Entiteit] = {}
        for n in nodes:
            m = n.metadata
            if m.get("soort") == "tabelrij":
                for soort in ("wijk", "gemeente"):
                    if m.get(soort):
                        e = per_naam.setdefault((soort, m[soort]), Entiteit(soort, m[soort]))
                        e.nodes.append(n)
                reg.tabelwoorden.update(taal.stammen(f"{m.get('sectie', '')} {n.text.split(chr(10))[0]}"))
                reg.tabelwoorden.update(taal.stammen(re.sub(r"\d[\d.]*", " ", m.get("zoektekst", ""))))
            elif m.get("soort") == "aanbeveling" and m.get("aanbeveling"):
                reg.aanbevelingen.setdefault(m.get("document", ""), {}).setdefault(int(m["aanbeveling"]), n)
            if m.get("sectie") and m.get("soort") in {"tekst", "aanbeveling"}:
                reg.secties.setdefault(m["sectie"], []).append(n)
            if m.get("soort") in {"tekst", "aanbeveling"}:
                for regel in n.text.split("\n"):
                    for naam in _MEERDELIGE_NAAM.findall(regel):
                        delen = naam.split()
                        if delen[0].lower() in taal.STOPWOORDEN:  # 'Het Fonds …' at the start of a sentence
                            delen = delen[1:]
                        hoofd = [d for d in delen if d[:1].isupper()]
                        if len(hoofd) >= 2:
                            reg.afkortingen.setdefault("".join(d[0] for d in hoofd).upper(), " ".join(delen))
        alle = list(per_naam.values())
        # Parts of names ('Zandweerd' of 'Zandweerd-Noord en -Zuid') count when they are distinctive.
        delen_teller: dict[str, int] = {}
        for e in alle:
            for d in set(_naamdelen(e.naam)):
                delen_teller[d] = delen_teller.get(d, 0) + 1
        for e in alle:
            reg.varianten.setdefault(zonder_accenten(e.naam), []).append(e)
            for d in set(_naamdelen(e.naam)):
                if delen_teller[d] == 1 and len(d) >= 4 and not veelvoorkomend(d) and d not in taal.STOPWOORDEN:
                    reg.varianten.setdefault(d, []).append(e)
        return reg

    def zoek(self, tekst: str, bekend_woord) -> tuple[list[Entiteit], list[tuple[int, int]]]:
        """Entiteiten die in de tekst genoemd worden (exact of met een kleine tikfout), met hun posities."""
        plat = zonder_accenten(taal.normaliseer(tekst))
        gevonden: list[Entiteit] = []
        posities: list[tuple[int, int]] = []
        # Longest variants first, so 'Overvecht-Noord' wins over 'Overvecht'.
        for variant in sorted(self.varianten, key=len, reverse=True):
            for m in re.finditer(r"(?<![\w-])" + re.escape(variant) + r"(?![\w])", plat):
                if any(b < m.end() and m.start() < e for b, e in posities):
                    continue
                posities.append((m.start(), m.end()))
                for ent in self.varianten[variant]:
                    if ent not in gevonden:
                        gevonden.append(ent)
        enkel = {v: ents for v, ents in self.varianten.items() if " " not in v and "-" not in v}
        met_hoofdletter = {zonder_accenten(w) for w in re.findall(r"[A-ZÀ-Ý][\w'-]+", taal.normaliseer(tekst))}
        for m in re.finditer(r"[a-z][a-z'-]+", plat):
            woord = m.group(0)
            if len(woord) < 5 or any(b < m.end() and m.start() < e for b, e in posities) or bekend_woord(woord):
                continue
            if len(woord) < 7 and woord not in met_hoofdletter:
                continue  # a short lowercase word one letter off a name is mostly a word ('legden' is not Leiden)
            grens = _tolerantie(len(woord))
            beste = min(((afstand(woord, v, grens), v) for v in enkel), default=(grens + 1, ""))
            if beste[0] <= grens:
                posities.append((m.start(), m.end()))
                gevonden.extend(e for e in enkel[beste[1]] if e not in gevonden)
        return gevonden, posities


def _naamdelen(naam: str) -> list[str]:
    """Losse delen van een naam: 'Abdij- en Torenbuurt' → ['abdij', 'torenbuurt']."""
    return [d for d in re.split(r"[\s-]+", zonder_accenten(naam)) if d and d not in {"en", "and"}]


# ----- the question -----

@dataclass
class Vraag:
    """Een geanalyseerde vraag."""

    tekst: str
    taal: str
    soorten: set[str]
    rangtelwoord: int | None = None
    subpunt: int | None = None  # 'het tweede punt bij aanbeveling 3': the point within what the ordinal names
    geteld: list[str] = field(default_factory=list)  # what a 'hoeveel' question counts ('deelnemende', 'wijken')
    rol: str | None = None  # the role of the person asked for ('Welke minister …' → 'minister')
    entiteiten: list[Entiteit] = field(default_factory=list)
    onderwerp: list[str] = field(default_factory=list)
    gevraagd: list[str] = field(default_factory=list)  # onderwerp without the context a follow-up carries along
    onbekende_namen: list[str] = field(default_factory=list)
    superlatief: str | None = None
    drempel: tuple[str, int] | None = None
    bereik: tuple[int, int] | None = None
    injectie: bool = False
    richting: str | None = None
    noemt_aanbeveling: bool = False
    delen: list[str] = field(default_factory=list)
    kern: str | None = None  # the question sentence after a sketched situation ('Wij … . Hoe …?')
    vertaald: list[str] = field(default_factory=list)  # an English question's words as words of the sources
    al_gezegd: list[str] = field(default_factory=list)  # a follow-up: the sentences of the answer it follows up on

    @property
    def tabel_entiteiten(self) -> list[Entiteit]:
        return [e for e in self.entiteiten if e.soort in {"wijk", "gemeente"}]

    def is_(self, soort: str) -> bool:
        return soort in self.soorten


def rangtelwoord(tekst: str) -> int | None:
    """Een rangtelwoord of nummer in de tekst: 'vierde', 'fourth', '4e', 'nummer 4', 'aanbeveling 4'."""
    for w in taal.woorden(tekst):
        if w in _RANGTELWOORDEN:
            return _RANGTELWOORDEN[w]
    m = _RANG_CIJFER.search(tekst) or _NUMMER.search(tekst)
    if m:
        return int(m.group(1)) if m.group(1).isdigit() else taal.TELWOORDEN[m.group(1).lower()]
    m = re.search(r"(?:aanbeveling|recommendation|advies)\s*(?:nummer\s+|number\s+)?(\d{1,2}|[a-zé]+)\b", tekst, re.I)
    if not m:
        return None
    # 'aanbeveling 5' and 'aanbeveling vijf' name the fifth.
    return int(m.group(1)) if m.group(1).isdigit() else taal.TELWOORDEN.get(m.group(1).lower())


def _getal(tekst: str) -> int:
    return int(re.sub(r"[.,\s]", "", tekst))


# A name of two or more capitalised words, possibly joined by small words: 'Nationaal Programma Leefbaarheid en
# Veiligheid'. Their initials are the abbreviations a practitioner types ('NPLV', 'VN', 'SDG's').
_KLEINE_WOORDEN = r"(?:en|van|de|der|het|voor|of|and|the|for)"
_MEERDELIGE_NAAM = re.compile(rf"(?<![\w-])[A-Z][^\W\d_]+(?:\s+(?:{_KLEINE_WOORDEN}\s+)?[A-Z][^\W\d_]+)+")
_AFKORTING = re.compile(r"(?<![\w-])([A-Z]{2,6})(?:'?s)?(?![\w-])")


def _schrijf_afkortingen_uit(tekst: str, namen: Namen | None) -> str:
    """Afkortingen die de index kent als de initialen van een naam, vervangen door die naam ('VN' → 'Verenigde Naties')."""
    if namen is None or not namen.afkortingen or sum(c.isupper() for c in tekst) > len(tekst) / 3:
        return tekst  # a question typed in capitals has no abbreviations to read
    return _AFKORTING.sub(lambda m: namen.afkortingen.get(m.group(1), m.group(0)), tekst)


def analyseer(tekst: str, namen: Namen | None = None, bekend_woord=lambda w: False) -> Vraag:
    """De vraag ontleden; namen komen uit de index (`namen`), niet uit de code."""
    tekst = _schrijf_afkortingen_uit(taal.normaliseer(tekst).strip(), namen)
    schoon = _INJECTIE.sub(" ", tekst).strip()
    injectie = schoon != tekst
    tekst = re.sub(r"\s+", " ", schoon) if injectie else tekst
    taalcode = taal.taal_van(tekst)
    zinnen = [tekst[b:e].strip() for b, e in taal.zinnen(tekst)]
    kern = zinnen[-1] if len(zinnen) >= 2 and zinnen[-1].endswith("?") and not zinnen[-2].endswith("?") else None
    # After a sketched situation the question sentence says what kind of answer is wanted: 'niemand weet wie wat
    # doet. Wat leert het programma daarover?' asks no 'wie'.
    vraagzin = kern or tekst
    soorten = {s for s, patroon in _SOORTEN.items() if patroon.search(vraagzin)}
    if _JANEE.match(vraagzin):
        soorten.add("janee")
    if _HOEVEEL_GELD.search(vraagzin) or ("getal" in soorten and _GELD.search(vraagzin)):
        soorten.add("bedrag")  # asks for an amount of money, not merely about prices
    v = Vraag(tekst=tekst, taal=taalcode, soorten=soorten, injectie=injectie, kern=kern)
    v.noemt_aanbeveling = bool(SOORT_WOORDEN["aanbeveling"].search(tekst))
    geteld = _HOEVEEL.search(vraagzin) if "getal" in soorten else None
    # What is counted: the first two content words after 'hoeveel' ('Hoeveel van de deelnemende wijken').
    v.geteld = [w for w in taal.woorden(geteld.group(1)) if w not in taal.STOPWOORDEN][:2] if geteld else []
    rol = _PERSOONSROL.search(vraagzin)
    v.rol = (rol.group(1) or rol.group(2)) if rol else None
    sub = _SUBPUNT.search(tekst)
    if sub:
        w, cijfer, na = sub.groups()
        v.subpunt = _RANGTELWOORDEN[w.lower()] if w else int(cijfer or na)
        # The other ordinal names the recommendation: 'het tweede punt bij de eerste aanbeveling'.
        v.rangtelwoord = rangtelwoord(tekst[:sub.start()] + " " + tekst[sub.end():])
    else:
        v.rangtelwoord = rangtelwoord(tekst)
    na = _OP_EEN_NA.search(tekst)
    if na:
        plek = {"één": 2, "een": 2, "twee": 3, "drie": 4}[na.group(1).lower()]
        v.rangtelwoord = -plek if na.group(2) else plek  # 'op één na laatste' counts from the end
    v.superlatief = "max" if _MAX.search(tekst) else "min" if _MIN.search(tekst) else None
    m = _VERGELIJKING.search(tekst)
    if m:
        op = "<" if re.match(r"minder|kleiner|onder|fewer|less|smaller|below|under", m.group(1), re.I) else ">"
        v.drempel = (op, _getal(m.group(2)))
    m = _TUSSEN.search(tekst)
    if m:
        v.bereik = (_getal(m.group(1)), _getal(m.group(2)))
    v.richting = "groter" if _GROTER.search(tekst) else "kleiner" if _KLEINER.search(tekst) else None
    posities: list[tuple[int, int]] = []
    if namen is not None:
        v.entiteiten, posities = namen.zoek(tekst, bekend_woord)
    # Content words outside the names: what is asked about the named thing.
    plat = zonder_accenten(tekst)
    rest = "".join(" " if any(b <= i < e for b, e in posities) else c for i, c in enumerate(plat))
    v.onderwerp = _onderwerpwoorden(rest)
    # A follow-up carries the earlier subject as '(…)' at its end: what it asks itself is the part before that.
    eigen_rest = _MEEGENOMEN.sub("", rest)
    v.gevraagd = v.onderwerp if eigen_rest == rest else _onderwerpwoorden(eigen_rest)
    genoemd = {d for e in v.entiteiten for d in [zonder_accenten(e.naam), *_naamdelen(e.naam)]}
    v.onbekende_namen = sorted(n for n in taal.eigennamen(tekst)
                               if zonder_accenten(n) not in genoemd and not bekend_woord(n)
                               and not any(b <= plat.find(zonder_accenten(n)) < e for b, e in posities))
    # The context a follow-up carries along ('… vorm? (lichtste vorm opgaven)') is no second question.
    eigen = _MEEGENOMEN.sub("", tekst)
    v.delen = [d.strip(" ?,;:") + "?" for d in _SPLITS.split(eigen) if len(taal.inhoudswoorden(d)) >= 2]
    if len(v.delen) < 2 or (v.subpunt and v.rangtelwoord):
        v.delen = []  # 'Welke aanbeveling is nummer vijf, en wat is daarvan het derde punt?' is one question
    return v


def _onderwerpwoorden(tekst: str) -> list[str]:
    """Inhoudswoorden zonder getallen en rangtelwoorden: '4.000' is een getal (drempel, bereik), geen onderwerp."""
    return [w for w in taal.inhoudswoorden(tekst) if not re.fullmatch(r"[\d.,]+", w) and w not in _RANGTELWOORDEN]


def is_superlatief(woord: str) -> bool:
    """Of het woord een overtreffende trap is ('grootste', 'fewest')."""
    return bool(_MAX.search(woord) or _MIN.search(woord))


def na_superlatief(tekst: str) -> str | None:
    """Het woord waar de overtreffende trap bij staat ('de grootste uitdaging' → uitdaging), of None."""
    for patroon in (_MAX, _MIN):
        m = re.search(patroon.pattern + r"\s+([^\W\d_][\w-]*)", tekst, re.I)
        if m:
            # 'de grootste na Laak', 'the smallest of all': the superlative stands alone.
            return None if m.group(2).lower() in taal.STOPWOORDEN else m.group(2).lower()
    return None


def bevat_bedrag(tekst: str) -> bool:
    """Of de tekst een geldbedrag noemt."""
    return bool(_BEDRAG_IN_TEKST.search(tekst))


def verwijst_terug(tekst: str) -> bool:
    """Of de vraag leunt op het gesprek: een verwijzend woord, een ellips ('En in Delft?') of geen eigen inhoud."""
    if _VERWIJZING.search(tekst) or _ELLIPS.match(tekst) or not taal.inhoudswoorden(tekst):
        return True
    woorden = taal.woorden(tekst)
    # 'Vertel meer over de tweede', 'and the last one?': an ordinal without its noun names an item said before.
    if re.search(rf"\b(?:de|het|the)\s+(?:{_RANG_WOORD})(?:\s+(?:one|daarvan|ervan|van die|of them))?\s*[?.!]?\s*$",
                 tekst, re.I):
        return True
    for m in _LOS_AANWIJZEND.finditer(tekst):
        voor = taal.woorden(tekst[:m.start()])
        # Right before the question mark it is an object ('hoe verklaren de onderzoekers dat?'), never a conjunction.
        if voor and (voor[-1] in _VOOR_AANWIJZEND or re.match(r"\s*\?", tekst[m.end():])):
            return True
    for m in _AANWIJZEND.finditer(tekst):
        voor = taal.woorden(tekst[:m.start()])
        # 'dat tweede programma': a demonstrative before an ordinal is a determiner, so it points back.
        if not voor or voor[-1] in _VOOR_AANWIJZEND or len(woorden) <= 4 or m.group(2).lower() in _RANGTELWOORDEN:
            return True
    return False


_SOORTNAAM = re.compile(r"\b(?:die|deze|dezelfde|diezelfde|dat|dit|that|this|the same)\s+(wijk|buurt|gemeente|stad|plaats|"
                        r"neighbourhood|neighborhood|district|municipality|city|town)\b", re.I)
_KAAL_VERGELIJKEND = re.compile(r"\b(?:die|deze|dat|dit|that|this|it)()(?=\s+(?:\w+\s+)?(?:groter|kleiner|larger|bigger|"
                                r"smaller)\b)", re.I)
_GEMEENTEWOORD = re.compile(r"gemeente|stad|plaats|municipality|city|town", re.I)


def _opsommingsitem(antwoord: str, plek: int) -> str | None:
    """Het zoveelste item van de opsomming in een antwoord (regels met '-', '1.', of 'a, b en c'); -1 is het laatste."""
    schoon = re.sub(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]", "", antwoord)
    items = [re.sub(r"^\s*(?:[-–•]|\d+\.)\s*", "", r).strip(" .") for r in schoon.split("\n")
             if re.match(r"^\s*(?:[-–•]|\d+\.)\s", r)]
    if len(items) < 2:
        delen = re.split(r",\s*|\s+(?:en|of|and|or)\s+", schoon.strip().rstrip("."))
        items = [d.strip() for d in delen if d.strip()] if len(delen) >= 3 and all(
            len(d.split()) <= 6 for d in delen) else []
    i = plek - 1 if plek > 0 else plek
    return items[i] if items and -len(items) <= i < len(items) else None


def zelfstandig(tekst: str, gesprek: list[dict] | None, analyse) -> str:
    """Een vervolgvraag zelfstandig maken, alleen als hij op het gesprek leunt; `analyse` is analyseer met de index."""
    if not gesprek or not verwijst_terug(tekst):
        return tekst
    vorige_vraag = next((b["tekst"] for b in reversed(gesprek) if b.get("rol") == "gebruiker"), "")
    vorig_antwoord = next((b["tekst"] for b in reversed(gesprek) if b.get("rol") == "assistent"), "")
    if not vorige_vraag:
        return tekst
    nu, vorig = analyse(tekst), analyse(vorige_vraag)
    if nu.noemt_aanbeveling and nu.rangtelwoord:
        return re.sub(r"^\s*(en|and|ook)\s+", "", tekst, flags=re.I)  # 'En aanbeveling 6?' names its own subject
    eigen = nu.tabel_entiteiten
    m = _SOORTNAAM.search(tekst)
    # 'En is die groter dan Zwanenveld?': a bare demonstrative compared with a name stands for last time's name.
    m = m or (_KAAL_VERGELIJKEND.search(tekst) if nu.richting else None)
    daar = None if eigen else re.search(r"\b(daar|there)\b", tekst, re.I)
    # The names of last time are looked up only when the question points at one ('die wijk', 'daar'); the previous
    # answer is analysed only then, or when the question names nothing itself.
    antwoordnamen = analyse(vorig_antwoord).tabel_entiteiten if m or daar or not eigen else []
    eerder = [e for e in antwoordnamen + vorig.tabel_entiteiten
              if e.naam not in {x.naam for x in eigen}] if m or daar else []
    if eerder and m:
        # 'die gemeente' is the municipality named last time, 'die wijk' (or a bare 'die') the neighbourhood; also
        # next to a new name: 'En is die wijk groter dan Selwerd?'.
        wil = "gemeente" if m.group(1) and _GEMEENTEWOORD.match(m.group(1)) else "wijk"
        ent = next((e for e in eerder if e.soort == wil), eerder[0])
        return tekst[:m.start()] + ent.naam + tekst[m.end():]
    if eerder and daar:
        return tekst[:daar.start()] + f"in {eerder[0].naam}" + tekst[daar.end():]
    if eigen and len(nu.onderwerp) <= 2 and vorig.tabel_entiteiten:
        # 'En Crabbehof?' after a question about Pendrecht: the same question about the new name.
        oud = vorig.tabel_entiteiten[0]
        patroon = re.compile(re.escape(oud.naam), re.I)
        if patroon.search(vorige_vraag):
            return patroon.sub(eigen[0].naam, vorige_vraag, count=1)
        return f"{vorige_vraag.rstrip('?')} ({eigen[0].naam})?"
    # Otherwise the previous question's subject travels along for retrieval.
    genoemd = [f"aanbeveling {vorig.rangtelwoord}"] if vorig.noemt_aanbeveling and (vorig.rangtelwoord or 0) > 0 else []
    if nu.subpunt and not nu.rangtelwoord and vorig.noemt_aanbeveling and vorig.rangtelwoord:
        return f"{tekst.rstrip()} ({vorige_vraag.rstrip('?')})"  # 'Wat is aanbeveling 3?' – 'En het tweede punt?'
    los_rang = re.search(rf"\b({_RANG_WOORD})\b", tekst, re.I)
    if los_rang and vorig.noemt_aanbeveling and vorig.rangtelwoord and not nu.noemt_aanbeveling:
        # 'Wat is de eerste aanbeveling?' – … – 'En de laatste?': the same kind of thing, another number.
        soort = "the {} recommendation" if nu.taal == "en" else "de {} aanbeveling"
        return f"{tekst.rstrip()} ({soort.format(los_rang.group(1).lower())})"
    if nu.rangtelwoord and (item := _opsommingsitem(vorig_antwoord, nu.rangtelwoord)):
        genoemd.append(item)  # 'Waarom is die eerste vorm zo lastig?' after 'Koppelkansen, meekoppelkansen en …'
    if not eigen:
        # 'Welke gemeente verliet het programma?' – 'Leiden.' – 'welke wijk had die ingediend?': the one name answered.
        enige = list(dict.fromkeys(e.naam for e in antwoordnamen))
        genoemd += enige if len(enige) == 1 else []
    # 'Waarom is die belangrijk?' after 'Wat is aanbeveling 4?' is about recommendation 4, by number.
    onderwerp = " ".join(dict.fromkeys(genoemd + [e.naam for e in vorig.entiteiten] + vorig.onderwerp))
    return f"{tekst.rstrip()} ({onderwerp})" if onderwerp else tekst
