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


def steun(zin: str, passages: str | list[str]) -> Steun:
    """Of de zin gedragen wordt door de passage(s): inhoudswoorden, getallen, namen en ontkenning."""
    passage = passages if isinstance(passages, str) else "\n".join(passages)
    zin = zonder_markers(zin)
    redenen: list[str] = []
    inhoud = [s for s in taal.stammen(zin) if not s.isdigit()]
    p_stammen = set(taal.stammen(passage))
    gedekt = [s for s in inhoud if taal.dekt(s, p_stammen)]
    dekking = len(gedekt) / len(inhoud) if inhoud else 1.0
    if dekking < MIN_DEKKING:
        missend = sorted({s for s in inhoud if s not in gedekt})[:5]
        redenen.append(f"te weinig gedekt ({dekking:.0%}; mist {', '.join(missend)})")
    p_getallen = taal.getallen(passage)
    for g in sorted(taal.getallen(zin) - p_getallen):
        redenen.append(f"getal {g} staat niet in de passage")
    p_woorden = _woorden_passage(passage)
    for naam in sorted(taal.eigennamen(zin)):
        delen = [d for d in naam.split("-") if d]
        if naam not in p_woorden and not all(d in p_woorden for d in delen):
            redenen.append(f"naam '{naam}' staat niet in de passage")
    beste = beste_zinnen(zin, passage, 2)
    if _ontkenning_botst(zin, beste):
        redenen.append("ontkenning past niet bij de passage")
    return Steun(ok=not redenen, dekking=round(dekking, 3), redenen=redenen, citaat=beste[0] if beste else "")


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
