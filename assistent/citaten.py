"""Zuivere functies: steuncontrole van een zin tegen passages, markers en het citaatformaat."""

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from assistent import taal

# Share of a sentence's content words that must occur in the cited passage(s).
# Tuned on the perturbation suite and the hand-labelled pairs (evals/steun_paren.jsonl).
MIN_DEKKING = 0.7

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


class Citaat(BaseModel):
    """Eén bronvermelding, overal hetzelfde (CLI, API, UI, evals)."""

    nr: int = Field(description="Nummer van de marker [n] in het antwoord.")
    document: str = Field(description="Id van de bron.")
    titel: str = Field(description="Titel van de publicatie.")
    pagina: int = Field(description="Pagina (1-based) waar de passage begint.")
    pagina_eind: int | None = Field(None, description="Laatste pagina als de passage doorloopt.")
    sectie: str = Field("", description="Sectiekop boven de passage.")
    aanbeveling: int | None = Field(None, description="Nummer van de aanbeveling (1–7) of null.")
    tekst: str = Field(description="De passage.")
    citaat: str = Field("", description="De zin(nen) uit de passage die de bewering dragen.")
    score: float = Field(0.0, description="Zoekscore van de passage.")
    id: str = Field("", description="Id van het fragment in de index.")


@dataclass
class Steun:
    """Uitslag van de steuncontrole voor één zin."""

    ok: bool
    dekking: float
    redenen: list[str] = field(default_factory=list)
    citaat: str = ""


def markers(tekst: str) -> list[int]:
    """Alle markernummers in volgorde van voorkomen."""
    return [int(n) for m in _MARKER.finditer(tekst) for n in re.split(r"\s*[,;]\s*", m.group(1))]


def zonder_markers(tekst: str) -> str:
    """Tekst zonder [n]-markers."""
    return _MARKER.sub("", tekst).strip()




def _woorden_passage(passage: str) -> set[str]:
    uit = set(taal.woorden(passage))
    for w in list(uit):
        uit.update(d for d in w.split("-") if d)
    return uit


def beste_zinnen(zin: str, passage: str, n: int = 1) -> list[str]:
    """De n zinnen uit de passage die het meest op de zin lijken."""
    doel = set(taal.stammen(zin))
    kandidaten = [passage[b:e] for b, e in taal.zinnen(passage)]
    if not kandidaten:
        return []
    harde = taal.getallen(zin) | taal.eigennamen(zin)

    def score(z: str) -> tuple[int, int]:
        # Numbers and names decide ties: a table row beats its header line.
        return len(doel & set(taal.stammen(z))) + 2 * len(harde & (taal.getallen(z) | set(taal.woorden(z)))), -len(z)

    gescoord = sorted(kandidaten, key=lambda z: score(z), reverse=True)
    return gescoord[:n]


# With semantic evidence: a sentence whose meaning matches this closely (normalised e5 similarity, 0 = unrelated,
# 1 = the sentence itself) may use other words, as long as enough of its content still occurs in the carrier.
MIN_BETEKENIS = 0.6
MIN_DEKKING_MET_BETEKENIS = 0.5
# A claim in another language than the sources (English answers) rests on meaning, numbers and names alone.
MIN_BETEKENIS_ANDERE_TAAL = 0.25


_TELSTAMMEN = frozenset(taal.stam(w) for w in taal.TELWOORDEN)


def _vensters(zinnen: list[tuple[int, str]]) -> list[tuple[list[int], str]]:
    """Dragers: elke zin alleen en elk paar opeenvolgende zinnen uit dezelfde passage."""
    uit = [([i], z) for i, (_, z) in enumerate(zinnen)]
    uit += [([i, i + 1], f"{zinnen[i][1]} {zinnen[i + 1][1]}") for i in range(len(zinnen) - 1)
            if zinnen[i][0] == zinnen[i + 1][0]]
    return uit


def steun(zin: str, passages: str | list[str], gelijkenis: list[float] | None = None,
          zinnen: list[list[str]] | None = None) -> Steun:
    """Of de zin gedragen wordt door één zin (of twee opeenvolgende) van de passage(s).

    `zinnen` zijn per passage de bewijszinnen (standaard: de zinnen van de tekst); `gelijkenis` is, als de
    aanroeper een embedder heeft, de genormaliseerde betekenisgelijkenis van de zin met elk van die zinnen.
    """
    lijst = [passages] if isinstance(passages, str) else list(passages)
    passage = "\n".join(lijst)
    per_passage = zinnen or [[p[b:e] for b, e in taal.zinnen(p)] for p in lijst]
    genummerd = [(pi, z) for pi, zs in enumerate(per_passage) for z in zs]
    zin = zonder_markers(zin)
    redenen: list[str] = []
    # Numbers (also written out) are checked on their own below, not as words to cover.
    inhoud = [s for s in taal.stammen(zin) if not s.isdigit() and s not in _TELSTAMMEN]
    andere_taal = taal.taal_van(zin) == "en" and taal.taal_van(passage) != "en"

    def dekking_van(tekst: str) -> float:
        stammen = set(taal.stammen(tekst))
        return sum(taal.dekt(s, stammen) for s in inhoud) / len(inhoud) if inhoud else 1.0

    # The carrier: the sentence (or adjacent pair) that covers most of the claim; meaning breaks ties.
    beste_venster: list[int] = []
    beste_tekst, beste_dekking, beste_betekenis = "", -1.0, -9.0
    for ids, tekst in _vensters(genummerd) or [([], passage)]:
        d = dekking_van(tekst)
        b = max((gelijkenis[i] for i in ids), default=-9.0) if gelijkenis and len(gelijkenis) == len(genummerd) else -9.0
        if (d + max(b, 0.0), len(ids) == 1) > (beste_dekking + max(beste_betekenis, 0.0), len(beste_venster) == 1):
            beste_venster, beste_tekst, beste_dekking, beste_betekenis = ids, tekst, d, b
    if andere_taal:
        if beste_betekenis < MIN_BETEKENIS_ANDERE_TAAL:
            redenen.append("betekenis te ver van de passage" if beste_betekenis > -9 else
                           "andere taal dan de bron; zonder betekenisvergelijking niet te controleren")
    elif beste_dekking < MIN_DEKKING and not (beste_betekenis >= MIN_BETEKENIS
                                             and beste_dekking >= MIN_DEKKING_MET_BETEKENIS):
        gedekt = set(taal.stammen(beste_tekst))
        missend = sorted({s for s in inhoud if not taal.dekt(s, gedekt)})[:5]
        redenen.append(f"geen zin in de passage draagt dit ({beste_dekking:.0%} gedekt; mist {', '.join(missend)})")
    p_getallen, d_getallen = taal.getallen(passage), taal.getallen(beste_tekst or passage)
    for g in sorted(taal.getallen(zin) - d_getallen):
        # A number that does occur in the passage belongs there to something else ('achttien wijken').
        redenen.append(f"getal {g} staat niet in de passage" if g not in p_getallen
                       else f"getal {g} hoort in de passage bij iets anders")
    p_woorden = _woorden_passage(passage)
    for naam in sorted(taal.eigennamen(zin)):
        delen = [d for d in naam.split("-") if d]
        if naam not in p_woorden and not all(d in p_woorden for d in delen):
            redenen.append(f"naam '{naam}' staat niet in de passage")
    drager = [beste_tekst] if beste_tekst else beste_zinnen(zin, passage, 2)
    if not andere_taal and _ontkenning_botst(zin, drager):
        redenen.append("ontkenning past niet bij de passage")
    if not andere_taal and _tegengesteld(zin, " ".join(drager)):
        redenen.append("zegt het tegendeel van de passage (tegengestelde vergelijking of ontkennend voorvoegsel)")
    dekking = beste_dekking if not andere_taal else max(0.0, beste_betekenis)
    return Steun(ok=not redenen, dekking=round(dekking, 3), redenen=redenen,
                 citaat=beste_tekst or (beste_zinnen(zin, passage, 1) or [""])[0])


# Opposite comparatives and their counterparts; general language, both languages.
_TEGENDELEN = [("meer", "minder"), ("groter", "kleiner"), ("sneller", "langzamer"), ("sneller", "trager"),
               ("hoger", "lager"), ("beter", "slechter"), ("makkelijker", "moeilijker"), ("eenvoudiger", "moeilijker"),
               ("sterker", "zwakker"), ("vaker", "zelden"), ("toegenomen", "afgenomen"), ("gestegen", "gedaald"),
               ("stijgende", "dalende"), ("groeiende", "afnemende"), ("meest", "minst"), ("eerder", "later"),
               ("more", "less"), ("more", "fewer"), ("faster", "slower"), ("larger", "smaller"), ("bigger", "smaller"),
               ("higher", "lower"), ("better", "worse"), ("easier", "harder"), ("stronger", "weaker"),
               ("increased", "decreased"), ("rising", "falling"), ("most", "least")]
_TEGEN = {a: b for a, b in _TEGENDELEN} | {b: a for a, b in _TEGENDELEN}
_STEIGEREND = {a for a, _ in _TEGENDELEN}
_ONTKENNEND_VOORVOEGSEL = ("on", "non", "niet-", "un")


def _tegengesteld(zin: str, drager: str) -> bool:
    """Of de zin een vergelijking omdraait ('sneller' tegenover 'minder voorspoedig') of een woord ontkent ('onbelangrijk')."""
    zw, dw = taal.woorden(zin), taal.woorden(drager)
    zs, ds = set(zw), set(dw)
    for w in zs:
        tegen = _TEGEN.get(w)
        if tegen and tegen in ds and w not in ds:
            return True
        # 'sneller … dan gedacht' against 'minder voorspoedig … dan gedacht'.
        if w in _STEIGEREND and w not in {"meer", "more", "meest", "most"} and w not in ds and ({"minder", "less"} & ds):
            return True
    zst, dst = {taal.stam(w) for w in zw}, {taal.stam(w) for w in dw}
    for a, b in ((zw, dst), (dw, zst)):
        for w in a:
            for v in _ONTKENNEND_VOORVOEGSEL:
                basis = w[len(v):]
                if w.startswith(v) and len(basis) >= 5 and taal.stam(basis) in b and taal.stam(w) not in b:
                    return True
    return False


# Negations plus restrictive adverbs: 'zelden waargemaakt' and 'meestal waargemaakt' say opposite things.
POLARITEIT = taal.ONTKENNINGEN | {"zelden", "nauwelijks", "sporadisch", "slechts", "amper", "weinig",
                                  "rarely", "seldom", "hardly", "few", "only"}
_DEELZIN = re.compile(r"[,;:()]|\s(?:maar|terwijl|want|en|but|while|and)\s", re.I)


def _deelzinnen(tekst: str) -> list[tuple[set[str], bool, int]]:
    """Per deelzin: de stammen, of er een ontkenning of beperking in staat, en het aantal echte ontkenningen."""
    uit = []
    for deel in _DEELZIN.split(tekst):
        ws = taal.woorden(deel)
        stammen = {taal.stam(w) for w in ws if w not in POLARITEIT} & set(taal.stammen(deel))
        if stammen:
            uit.append((stammen, any(w in POLARITEIT for w in ws), sum(w in taal.ONTKENNINGEN for w in ws)))
    return uit


def _ontkenning_botst(zin: str, beste: list[str]) -> bool:
    """Of een deelzin van de zin een andere polariteit heeft dan de deelzin van de passage die hij herhaalt."""
    kandidaten = [d for z in beste for d in _deelzinnen(z)]
    for stammen, pol, ontk in _deelzinnen(zin):
        # Align each clause with the passage clause it overlaps most; compare negation there, not sentence-wide.
        paar = max(kandidaten, key=lambda k: len(stammen & k[0]), default=None)
        if paar is None or not stammen & paar[0] or len(stammen & paar[0]) * 2 < len(stammen):
            continue
        if pol == paar[1] and ontk % 2 == paar[2] % 2:
            continue
        # A negation in a sentence that merges clauses may sit in a neighbouring clause of the passage.
        if pol and any(k[1] and ontk % 2 == k[2] % 2 and stammen & k[0] for k in kandidaten):
            continue
        return True
    return False


@dataclass
class AntwoordZin:
    """Een zin uit een antwoord met de markers die erachter staan."""

    tekst: str
    markers: list[int]
    opsomming: bool = False


def splits_antwoord(antwoord: str) -> list[AntwoordZin]:
    """Antwoordtekst in zinnen; markers horen bij de zin ervoor (ook als ze na de punt staan)."""
    uit: list[AntwoordZin] = []
    for regel in antwoord.replace("\r", "").split("\n"):
        if not regel.strip():
            continue
        opsomming = bool(re.match(r"^\s*(?:[-–•*]|\d+[.)])\s+", regel))
        # Move markers written after the full stop ('… zin. [1]') in front of the next boundary.
        regel = re.sub(r"([.!?])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)", r"\2\1", regel)
        for b, e in taal.zinnen(regel):
            stuk = regel[b:e].strip()
            if not stuk:
                continue
            uit.append(AntwoordZin(stuk, markers(stuk), opsomming))
    return uit


def met_marker(zin: str, nrs: list[int]) -> str:
    """Zin met markers aan het eind (voor de slotpunt)."""
    kaal = zonder_markers(zin)
    if not nrs:
        return kaal
    tekens = "".join(f"[{n}]" for n in sorted(set(nrs)))
    m = re.search(r"([.!?:]+)$", kaal)
    return f"{kaal[:m.start()]} {tekens}{m.group(1)}" if m else f"{kaal} {tekens}"


def als_tekst(antwoord: str, citaten: list[Citaat]) -> str:
    """Antwoord met genummerde bronnen eronder, voor terminal en voetnoten."""
    regels = [antwoord.strip()]
    if citaten:
        regels.append("")
        regels.append("Bronnen:")
        for c in citaten:
            pagina = f"p. {c.pagina}" + (f"–{c.pagina_eind}" if c.pagina_eind and c.pagina_eind != c.pagina else "")
            sectie = f" — {c.sectie}" if c.sectie else ""
            regels.append(f"[{c.nr}] {c.titel}, {pagina}{sectie}")
            if c.citaat:
                regels.append(f"    “{c.citaat}”")
    return "\n".join(regels)
