"""Validatie van de steuncontrole: een verstoringssuite uit de bronnen en de handgelabelde paren."""

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistent import citaten as cit
from assistent import taal
from assistent.evaluatie.bestanden import lees_jsonl
from assistent.evaluatie.metrieken import cohen_kappa

# Variants the support check must reject, and forms it must accept.
AFWIJZEN = ("getal", "naam", "ontkenning", "verkeerde_passage")
AANVAARDEN = ("origineel", "parafrase")

_VERBINDERS = ("want", "echter", "immers", "daarom", "ook", "maar", "dus", "bovendien", "desondanks", "overigens",
               "intussen", "tegelijkertijd", "daarnaast", "juist", "en")
_WERKWOORDEN = frozenset("""is zijn was waren wordt worden werd werden heeft hebben had hadden kan kunnen kon konden moet
    moeten zal zullen blijkt bleken bleek blijft lijkt lijken vraagt biedt gaat komt kwam kwamen ligt lag vindt zorgt helpt
    betekent levert ging namen stroomden beschrijft vormt vormen leidt leidde speelt spelen draagt dragen kent kennen""".split())
_TELWOORDEN = ["twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "twaalf", "vijftien", "zestien",
               "zeventien", "achttien", "twintig"]


@dataclass
class Geval:
    """Eén zin tegen één passage, met de verwachte uitslag."""

    soort: str
    zin: str
    passage: str
    verwacht: bool
    bron: str = ""


def _zinnen_uit(passage: str) -> list[str]:
    uit = []
    for b, e in taal.zinnen(passage):
        z = passage[b:e].strip()
        # Skip headings, list stubs and footnotes: they are not claims.
        if len(z.split()) < 7 or not z.endswith((".", "?", "!")) or re.match(r"^\d+\.\s", z) or z.endswith("?"):
            continue
        uit.append(z)
    return uit


def _ander_getal(g: str, passage_getallen: set[str]) -> str | None:
    if g.lower() in _TELWOORDEN:
        for t in _TELWOORDEN:
            if t != g.lower() and str(taal.TELWOORDEN[t]) not in passage_getallen:
                return t
        return None
    kaal = re.sub(r"[. ]", "", g)
    if not kaal.isdigit():
        return None
    n = int(kaal)
    for kandidaat in (n + 1, n - 1, n + 10, n * 2):
        if str(kandidaat) not in passage_getallen and kandidaat >= 0:
            tekst = str(kandidaat)
            return f"{int(tekst):,}".replace(",", ".") if "." in g and len(tekst) > 3 else tekst
    return None


def getal_variant(zin: str, passage: str) -> str | None:
    """De zin met één getal (cijfers of telwoord) vervangen door een getal dat niet in de passage staat."""
    p_getallen = taal.getallen(passage)
    for m in re.finditer(r"(?<![\w.,])\d{1,3}(?:\.\d{3})+(?![\w])|(?<![\w.,])\d+(?![\w.,]\d)|\b[a-z]+\b", zin):
        g = m.group(0)
        if g[0].isalpha() and g.lower() not in _TELWOORDEN:
            continue
        nieuw = _ander_getal(g, p_getallen)
        if nieuw:
            return zin[:m.start()] + nieuw + zin[m.end():]
    return None


def naam_variant(zin: str, passage: str, namen: Sequence[str]) -> str | None:
    """De zin met één eigennaam vervangen door een andere naam uit de bronnen die niet in de passage staat."""
    p_woorden = set(taal.woorden(passage))
    eerste = True
    for m in re.finditer(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", zin):
        woord, eerste_hier = m.group(0), eerste
        eerste = False
        # The first word is capitalised by position, not because it is a name.
        if eerste_hier or not woord[:1].isupper() or woord.lower() not in {n.lower() for n in namen}:
            continue
        for ander in namen:
            if ander.lower() != woord.lower() and ander.lower() not in p_woorden:
                return zin[:m.start()] + ander + zin[m.end():]
    return None


def namen_uit(passages: Sequence[str]) -> list[str]:
    """Eigennamen in de passages: woorden die midden in een zin en nergens met een kleine letter staan."""
    klein = {w for p in passages for w in re.findall(r"\b[a-zà-ÿ][\w-]*", p)}
    kandidaten = {w for p in passages for w in re.findall(r"(?<=[\w,)] )[A-Z][\w-]+", p)}
    return sorted(w for w in kandidaten if w.lower() not in klein and w.lower() not in taal.STOPWOORDEN and len(w) > 2)


def ontkenning_variant(zin: str) -> str:
    """De zin met een ontkenning erbij, of zonder de ontkenning die erin stond."""
    ws = zin.split(" ")
    for i, w in enumerate(ws):
        if w.lower().strip(",.") in {"niet", "nooit"}:
            return " ".join(ws[:i] + ws[i + 1:])
        if w.lower() == "geen":
            return " ".join(ws[:i] + ["een"] + ws[i + 1:])
    for i, w in enumerate(ws):
        if w.lower().strip(",.") in _WERKWOORDEN and i < len(ws) - 1:
            return " ".join(ws[:i + 1] + ["niet"] + ws[i + 1:])
    return " ".join(ws[:2] + ["niet"] + ws[2:])


def parafrasen(zin: str) -> list[str]:
    """Lichte parafrasen: zonder verbindend woord vooraan, getallen anders geschreven, alleen de hoofdzin."""
    uit = []
    ws = zin.split(" ")
    if ws and ws[0].lower().strip(",") in _VERBINDERS and len(ws) > 4:
        rest = " ".join(ws[1:])
        uit.append(rest[:1].upper() + rest[1:])
    herschreven = re.sub(r"(?<=\d)\.(?=\d{3}\b)", "", zin)
    for t in _TELWOORDEN:
        herschreven = re.sub(rf"\b{t}\b", str(taal.TELWOORDEN[t]), herschreven)
    if herschreven != zin:
        uit.append(herschreven)
    m = re.match(r"^([^,;:]{30,}?)[,;:]\s", zin)
    if m and not any(w in taal.ONTKENNINGEN for w in taal.woorden(zin[m.end():])):
        uit.append(m.group(1).strip() + ".")
    return uit


def bouw_suite(passages: Sequence[str], rijen: Sequence[tuple[str, str, int, str]] = ()) -> list[Geval]:
    """Originelen uit de passages (en tabelrijen: wijk, gemeente, inwoners, passage) met parafrasen en verstoringen."""
    namen = namen_uit(list(passages) + [r[3] for r in rijen])
    gevallen: list[Geval] = []
    for i, (wijk, gemeente, inwoners, passage) in enumerate(rijen):
        getal = f"{inwoners:,}".replace(",", ".")
        zin = f"De wijk {wijk} (gemeente {gemeente}) heeft {getal} inwoners."
        andere = [r for r in rijen if r[1] != gemeente and r[0] != wijk]
        gevallen.append(Geval("origineel", zin, passage, True, zin))
        gevallen.append(Geval("parafrase", f"{wijk} in {gemeente} telt {inwoners} inwoners.", passage, True, zin))
        if andere:
            ander = andere[i % len(andere)]
            gevallen.append(Geval("naam", zin.replace(f"gemeente {gemeente}", f"gemeente {ander[1]}"), passage, False, zin))
            gevallen.append(Geval("naam", zin.replace(f"wijk {wijk}", f"wijk {ander[0]}"), passage, False, zin))
            gevallen.append(Geval("verkeerde_passage", zin, ander[3], False, zin))
        if (v := getal_variant(zin, passage)) is not None:
            gevallen.append(Geval("getal", v, passage, False, zin))
        gevallen.append(Geval("ontkenning", ontkenning_variant(zin), passage, False, zin))
    for i, passage in enumerate(passages):
        buur = next((passages[(i + j) % len(passages)] for j in range(1, len(passages))
                     if passages[(i + j) % len(passages)] != passage), None)
        for zin in _zinnen_uit(passage):
            gevallen.append(Geval("origineel", zin, passage, True, zin))
            gevallen += [Geval("parafrase", p, passage, True, zin) for p in parafrasen(zin)]
            if (v := getal_variant(zin, passage)) is not None:
                gevallen.append(Geval("getal", v, passage, False, zin))
            if (v := naam_variant(zin, passage, namen)) is not None:
                gevallen.append(Geval("naam", v, passage, False, zin))
            gevallen.append(Geval("ontkenning", ontkenning_variant(zin), passage, False, zin))
            # The same sentence cited to the next passage in the document (same topic, other text).
            if buur is not None and re.sub(r"\s+", "", zin) not in re.sub(r"\s+", "", buur):
                gevallen.append(Geval("verkeerde_passage", zin, buur, False, zin))
    return gevallen


Oordeel = Callable[[str, str], bool]


def _lexicaal(zin: str, passage: str) -> bool:
    return cit.steun(zin, passage).ok


def met_betekenis(embedder, kalibratie) -> Oordeel:
    """Oordeel zoals de dienst het velt: dragende zin plus betekenisgelijkenis (e5) met elke passagezin."""
    def oordeel(zin: str, passage: str) -> bool:
        zinnen = [passage[b:e] for b, e in taal.zinnen(passage)]
        q = embedder.get_query_embedding(cit.zonder_markers(zin))
        vectoren = embedder.get_text_embedding_batch(zinnen)
        gelijkenis = [kalibratie.normaliseer(sum(a * b for a, b in zip(q, v))) for v in vectoren]
        return cit.steun(zin, passage, gelijkenis=gelijkenis, zinnen=[zinnen]).ok
    return oordeel


def scoor_suite(gevallen: Sequence[Geval], oordeel: Oordeel = _lexicaal) -> dict:
    """Per soort het aandeel goed beoordeelde gevallen, plus de missers."""
    goed: dict[str, list[bool]] = defaultdict(list)
    missers = []
    for g in gevallen:
        ok = oordeel(g.zin, g.passage) == g.verwacht
        goed[g.soort].append(ok)
        if not ok:
            missers.append(g)
    per_soort = {s: round(sum(v) / len(v), 4) for s, v in goed.items()}
    afgewezen = [x for s in AFWIJZEN for x in goed.get(s, [])]
    aanvaard = [x for s in AANVAARDEN for x in goed.get(s, [])]
    return {
        "afwijzing_varianten": round(sum(afgewezen) / len(afgewezen), 4) if afgewezen else None,
        "aanvaarding_origineel_parafrase": round(sum(aanvaard) / len(aanvaard), 4) if aanvaard else None,
        "per_soort": per_soort,
        "aantallen": {s: len(v) for s, v in goed.items()},
        "missers": missers,
    }


def _paar(p: dict) -> dict:
    if not (isinstance(p.get("zin"), str) and isinstance(p.get("passage"), str) and isinstance(p.get("ondersteund"), bool)):
        raise ValueError("zin, passage (tekst) en ondersteund (true/false) zijn verplicht")
    return p


def laad_paren(pad: Path) -> list[dict]:
    """Handgelabelde (zin, passage, ondersteund)-paren uit JSON lines."""
    return lees_jsonl(pad, "De gelabelde paren in", _paar, "Zet evals/steun_paren.jsonl terug of geef het juiste pad.",
                      '{"zin": "...", "passage": "...", "ondersteund": true}')


def scoor_paren(paren: Sequence[dict], oordeel: Oordeel = _lexicaal) -> dict:
    """Overeenstemming (accuratesse, Cohens κ, verwarringsmatrix) van een oordeel met de handlabels."""
    labels = [p["ondersteund"] for p in paren]
    uitspraken = [oordeel(p["zin"], p["passage"]) for p in paren]
    return {
        "n": len(paren),
        "accuratesse": round(sum(a == b for a, b in zip(labels, uitspraken)) / len(paren), 4),
        "kappa": round(cohen_kappa(labels, uitspraken), 4),
        "matrix": {"wel_wel": sum(a and b for a, b in zip(labels, uitspraken)),
                   "wel_niet": sum(a and not b for a, b in zip(labels, uitspraken)),
                   "niet_wel": sum(b and not a for a, b in zip(labels, uitspraken)),
                   "niet_niet": sum(not a and not b for a, b in zip(labels, uitspraken))},
        "oneens": [p | {"oordeel": b} for p, b in zip(paren, uitspraken) if p["ondersteund"] != b],
        "uitspraken": uitspraken,
    }
