"""Zuivere metriekfuncties voor de evaluatie: zoeken, citaten (ALCE), feiten, weigeren en latentie."""

import math
import re
from collections.abc import Callable, Sequence

from assistent import citaten as cit
from assistent import taal

# The keys of the summary, in the order the table and the chart show them.
METRIEKEN = ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "juiste_passage", "citatie_recall", "citatie_precisie",
             "citaties_geldig", "feiten", "goed_geweigerd", "onterecht_geweigerd", "verwijderd_aandeel",
             "teruggevallen", "woorden_p50", "woorden_gem", "latentie_p50_s", "latentie_p95_s")
# Not shares between 0 and 1: shown in the table, left out of the bar chart.
ABSOLUUT = ("woorden_p50", "woorden_gem", "latentie_p50_s", "latentie_p95_s")
# What the per-style table shows.
PER_STIJL = ("hit@5", "mrr@10", "juiste_passage", "feiten", "citatie_recall", "goed_geweigerd", "onterecht_geweigerd",
             "woorden_p50")

_WEIGERZINNEN = ("dat kan ik niet terugvinden", "i cannot find that")


def _plat(tekst: str) -> str:
    return re.sub(r"\s+", "", taal.normaliseer(tekst)).lower()


def is_relevant(passage: str, fragmenten: Sequence[str]) -> bool:
    """Of de passage minstens één verwacht fragment bevat (spaties, hoofdletters en aanhalingstekens genegeerd)."""
    plat = _plat(passage)
    return any(_plat(f) and _plat(f) in plat for f in fragmenten)


def rangschik(relevant: Sequence[bool], scores: Sequence[float] | None = None) -> list[bool]:
    """Relevantie in rangvolgorde; bij gelijke scores staan relevante passages achteraan (pessimistisch)."""
    if scores is None:
        return list(relevant)
    # Ties are broken against the system, so a metric never depends on the order of equal scores.
    volgorde = sorted(range(len(relevant)), key=lambda i: (-scores[i], bool(relevant[i]), i))
    return [bool(relevant[i]) for i in volgorde]


def hit_at(relevant: Sequence[bool], k: int) -> float:
    """1.0 als er een relevante passage in de eerste k staat."""
    return 1.0 if any(relevant[:k]) else 0.0


def mrr_at(relevant: Sequence[bool], k: int = 10) -> float:
    """Reciproke rang van de eerste relevante passage binnen k, anders 0."""
    for i, r in enumerate(relevant[:k], start=1):
        if r:
            return 1.0 / i
    return 0.0


def ndcg_at(relevant: Sequence[bool], k: int = 10, n_relevant: int | None = None) -> float:
    """Binaire nDCG@k; de ideale ordening telt alle relevante passages in de index (n_relevant) mee."""
    dcg = sum(1.0 / math.log2(i + 1) for i, r in enumerate(relevant[:k], start=1) if r)
    totaal = sum(bool(r) for r in relevant) if n_relevant is None else n_relevant
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, min(k, totaal) + 1))
    return dcg / idcg if idcg else 0.0


SteunFn = Callable[[str, list[str]], bool]


def _steunt(zin: str, passages: list[str]) -> bool:
    return cit.steun(zin, passages).ok


def citatie_scores(antwoord: str, citaten: Sequence[cit.Citaat | dict],
                   steunt: SteunFn = _steunt) -> tuple[float | None, float | None]:
    """(recall, precisie) van één antwoord volgens ALCE; None als er niets te meten is."""
    per_nr = {(c["nr"] if isinstance(c, dict) else c.nr): (c["tekst"] if isinstance(c, dict) else c.tekst)
              for c in citaten}
    # An uncited lead-in ending in ':' ('According to the publications:') frames a list and claims nothing.
    zinnen = [z for z in cit.splits_antwoord(antwoord) if re.search(r"\w", cit.zonder_markers(z.tekst))
              and not (not z.markers and z.tekst.rstrip().endswith(":"))]
    if not zinnen:
        return None, None
    gesteund = 0
    goed = totaal = 0
    for z in zinnen:
        kaal = cit.zonder_markers(z.tekst)
        nrs = list(dict.fromkeys(n for n in z.markers if n in per_nr))
        totaal += len(nrs)
        # A sentence without (valid) citations is unsupported (ALCE).
        samen = bool(nrs) and steunt(kaal, [per_nr[n] for n in nrs])
        gesteund += samen
        if not samen:
            continue  # ALCE: without joint support no citation of the sentence counts as precise
        for n in nrs:
            if len(nrs) == 1 or steunt(kaal, [per_nr[n]]):
                goed += 1
                continue
            rest = [per_nr[m] for m in nrs if m != n]
            # Needed with the others: without it the rest no longer supports the sentence.
            goed += not steunt(kaal, rest)
    recall = gesteund / len(zinnen)
    precisie = goed / totaal if totaal else 0.0
    return recall, precisie


def markers_geldig(antwoord: str, citaten: Sequence[cit.Citaat | dict]) -> tuple[int, int]:
    """(geldig, totaal): markers die naar een teruggegeven citaat wijzen."""
    nrs = {(c["nr"] if isinstance(c, dict) else c.nr) for c in citaten}
    alle = cit.markers(antwoord)
    return sum(n in nrs for n in alle), len(alle)


def _zonder_duizendtallen(tekst: str) -> str:
    tekst = taal.normaliseer(tekst).lower()
    tekst = re.sub(r"(?<=\d)[.,\u00a0 ](?=\d{3}(?!\d))", "", tekst)
    return re.sub(r"\s+", " ", tekst)


def staat_erin(schrijfwijze: str, tekst: str) -> bool:
    """Of de schrijfwijze in de tekst staat, beginnend aan een woordbegin; een getal ook niet als begin van een groter
    getal ('18' niet in '2018' of '180'). Beide al zonder duizendtallenpunten en in kleine letters."""
    s = schrijfwijze.strip()
    if not s:
        return False
    patroon = r"(?<!\w)" + re.escape(s)
    if s[-1].isdigit():
        patroon += r"(?!\d|[.,]\d)"
    return re.search(patroon, tekst) is not None


def feiten_score(antwoord: str, feiten: Sequence[Sequence[str]]) -> float | None:
    """Aandeel feiten waarvan een schrijfwijze in het antwoord staat (vanaf een woordbegin); None zonder feiten."""
    if not feiten:
        return None
    tekst = _zonder_duizendtallen(antwoord)
    raak = sum(any(staat_erin(_zonder_duizendtallen(s), tekst) for s in spellingen) for spellingen in feiten)
    return raak / len(feiten)


def woorden(antwoord: str) -> int:
    """Lengte van een antwoord in woorden (markers niet meegeteld)."""
    return len(taal.woorden(cit.zonder_markers(antwoord)))


def is_weigering(antwoord: str, gevonden: bool = True, n_citaten: int | None = None) -> bool:
    """Of een antwoord een weigering is: niet gevonden, leeg, zonder citaten, of de vaste weigerzin vooraan."""
    if not gevonden or not antwoord.strip() or n_citaten == 0:
        return True
    return cit.zonder_markers(antwoord).strip().lower().startswith(_WEIGERZINNEN)


def percentiel(waarden: Sequence[float], p: float) -> float | None:
    """Percentiel met lineaire interpolatie (zoals numpy's standaard); None bij geen waarden."""
    if not waarden:
        return None
    rij = sorted(waarden)
    pos = (len(rij) - 1) * p / 100.0
    onder = math.floor(pos)
    boven = min(onder + 1, len(rij) - 1)
    return rij[onder] + (rij[boven] - rij[onder]) * (pos - onder)


def gemiddelde(waarden: Sequence[float | None]) -> float | None:
    """Gemiddelde van de waarden die niet None zijn; None als er geen zijn."""
    echt = [w for w in waarden if w is not None]
    return sum(echt) / len(echt) if echt else None


def samenvatten(rijen: Sequence[dict]) -> dict[str, float | None]:
    """De metrieken over alle vragen uit de rijen van de runner."""
    binnen = [r for r in rijen if not r["buiten_bronnen"]]
    buiten = [r for r in rijen if r["buiten_bronnen"]]
    beantwoord = [r for r in rijen if not r["geweigerd"]]
    uit: dict[str, float | None] = {}
    for m in ("hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10"):
        uit[m] = gemiddelde([r["scores"].get(m) for r in binnen])
    # The answer cites a passage holding the expected text; a refused answerable question counts as 0.
    uit["juiste_passage"] = gemiddelde([r["scores"].get("juiste_passage") for r in binnen])
    uit["citatie_recall"] = gemiddelde([r["scores"].get("citatie_recall") for r in beantwoord])
    uit["citatie_precisie"] = gemiddelde([r["scores"].get("citatie_precisie") for r in beantwoord])
    geldig = sum(r["scores"].get("markers_geldig", 0) for r in rijen)
    totaal = sum(r["scores"].get("markers_totaal", 0) for r in rijen)
    uit["citaties_geldig"] = geldig / totaal if totaal else None
    # A refused answerable question has no facts in it: it counts as 0, not as missing.
    uit["feiten"] = gemiddelde([r["scores"].get("feiten") for r in binnen])
    uit["goed_geweigerd"] = sum(r["geweigerd"] for r in buiten) / len(buiten) if buiten else None
    uit["onterecht_geweigerd"] = sum(r["geweigerd"] for r in binnen) / len(binnen) if binnen else None
    # Model runs only: how much of what the model wrote the support check threw away, and how often nothing was left.
    model = [r for r in rijen if r.get("model_zinnen") is not None]
    zinnen = sum(r["model_zinnen"] for r in model)
    uit["verwijderd_aandeel"] = sum(r["model_verwijderd"] for r in model) / zinnen if zinnen else None
    uit["teruggevallen"] = sum(bool(r.get("teruggevallen")) for r in model) / len(model) if model else None
    # Length of the answers that are not refusals: an answer that lists everything cannot win on facts unseen.
    lengtes = [r["woorden"] for r in beantwoord if r.get("woorden") is not None]
    uit["woorden_p50"] = percentiel(lengtes, 50)
    uit["woorden_gem"] = gemiddelde(lengtes)
    duur = [r["duur_s"] for r in rijen if r.get("duur_s") is not None]
    uit["latentie_p50_s"] = percentiel(duur, 50)
    uit["latentie_p95_s"] = percentiel(duur, 95)
    return {k: (round(v, 4) if v is not None else None) for k, v in uit.items()}


def per_stijl(rijen: Sequence[dict]) -> dict[str, dict]:
    """De metrieken per vraagstijl (veld `stijl`), met het aantal vragen; leeg als geen vraag een stijl heeft."""
    stijlen = sorted({r["stijl"] for r in rijen if r.get("stijl")})
    uit = {}
    for st in stijlen:
        deel = [r for r in rijen if r.get("stijl") == st]
        uit[st] = {"n": len(deel)} | samenvatten(deel)
    return uit


def overtredingen(metrieken: dict, drempels: dict[str, float], maxima: dict[str, float]) -> list[str]:
    """Meldingen voor metrieken onder hun drempel of boven hun maximum (ontbrekende waarden tellen niet)."""
    uit = []
    for naam, min_ in drempels.items():
        w = metrieken.get(naam)
        if w is not None and w < min_:
            uit.append(f"{naam} = {w:.3f} ligt onder de drempel {min_:.3f}")
    for naam, max_ in maxima.items():
        w = metrieken.get(naam)
        if w is not None and w > max_:
            uit.append(f"{naam} = {w:.3f} ligt boven het maximum {max_:.3f}")
    return uit


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float:
    """Cohens κ voor twee binaire beoordelingen van dezelfde items."""
    n = len(a)
    if n == 0 or n != len(b):
        raise ValueError("twee even lange, niet-lege rijen nodig")
    po = sum(x == y for x, y in zip(a, b)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    # Both raters constant and equal: perfect agreement, κ defined as 1.
    return 1.0 if pe == 1 else (po - pe) / (1 - pe)
