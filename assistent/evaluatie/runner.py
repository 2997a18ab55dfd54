"""Evalset inlezen en elke vraag door de dienst halen; per vraag scores, samen de metrieken."""

import re
import sys
from pathlib import Path

from pydantic import BaseModel, Field, field_validator
from tqdm import tqdm

from assistent import citaten as cit
from assistent.evaluatie import metrieken as mt
from assistent.evaluatie.bestanden import lees_jsonl
from assistent.fouten import AssistentFout, ConfiguratieFout

K_ZOEKEN = 10


class Beurt(BaseModel):
    """Een eerdere beurt in een gesprek."""

    rol: str
    tekst: str

    @field_validator("rol")
    @classmethod
    def _rol(cls, v: str) -> str:
        if v not in {"gebruiker", "assistent"}:
            raise ValueError("rol moet 'gebruiker' of 'assistent' zijn")
        return v


class EvalVraag(BaseModel):
    """Eén regel uit een evalset (evals/dev.jsonl, evals/test.jsonl)."""

    model_config = {"extra": "forbid"}

    id: str = Field(min_length=1)
    vraag: str = Field(min_length=1)
    gesprek: list[Beurt] | None = None
    verwachte_passages: list[str] = Field(default_factory=list)
    feiten: list[list[str]] = Field(default_factory=list)
    buiten_bronnen: bool = False
    stijl: str | None = Field(None, min_length=1, description="Vraagstijl, bijv. parafrase, informeel, engels.")


def laad_set(pad: Path) -> list[EvalVraag]:
    """Een evalset in JSON lines; fouten met regelnummer."""
    vragen = lees_jsonl(pad, "De evalset", EvalVraag.model_validate, "Geef met --set een bestaand JSONL-bestand.",
                        "Zie README (Evaluatie) voor de velden.")
    dubbel = {v.id for v in vragen if sum(w.id == v.id for w in vragen) > 1}
    if dubbel:
        raise ConfiguratieFout(f"Dubbele id's in {pad}: {', '.join(sorted(dubbel))}.", "Geef elke vraag een eigen id.")
    if not vragen:
        raise ConfiguratieFout(f"De evalset {pad} is leeg.", "Zet minstens één vraag in het bestand.")
    return vragen


def _citaat_kort(c) -> dict:
    return c.model_dump(include={"nr", "document", "pagina", "sectie", "aanbeveling", "citaat", "tekst", "id"})


def evalueer_vraag(dienst, v: EvalVraag, modus: str | None, n_relevant_per_fragmenten) -> dict:
    """Eén vraag beantwoorden en scoren; een fout van de dienst telt als weigering met de melding erbij."""
    gesprek = [b.model_dump() for b in v.gesprek] if v.gesprek else None
    rij: dict = {"id": v.id, "vraag": v.vraag, "buiten_bronnen": v.buiten_bronnen, "stijl": v.stijl, "scores": {}}
    try:
        a = dienst.vraag(v.vraag, gesprek=gesprek, modus=modus)
    except AssistentFout as e:
        rij.update(antwoord="", modus=modus or "", gevonden=False, geweigerd=True, citaten=[], passages=[],
                   duur_s=None, fout=e.melding)
        rij["scores"].update(_zoekscores([], 0) if not v.buiten_bronnen else {})
        if not v.buiten_bronnen:
            rij["scores"]["feiten"] = mt.feiten_score("", v.feiten)
            rij["scores"]["juiste_passage"] = 0.0
        return rij
    geweigerd = mt.is_weigering(a.antwoord, a.gevonden, len(a.citaten))
    rij.update(antwoord=a.antwoord, modus=a.modus, gevonden=a.gevonden, geweigerd=geweigerd,
               zelfstandige_vraag=a.zelfstandige_vraag, citaten=[_citaat_kort(c) for c in a.citaten],
               duur_s=a.duur_s, fout=None, woorden=None if geweigerd else mt.woorden(a.antwoord),
               verwijderd=list(a.verwijderd), **_modelzinnen(a))
    s = rij["scores"]
    if not v.buiten_bronnen:
        # Retrieval is scored on the query the answer used (the standalone rewrite for follow-ups), at k=10.
        treffers = dienst.zoek(a.zelfstandige_vraag or v.vraag, k=K_ZOEKEN)
        relevant = [mt.is_relevant(p.tekst, v.verwachte_passages) for p in treffers]
        rij["passages"] = [{"rang": i, "id": p.id, "pagina": p.pagina, "sectie": p.sectie, "score": p.score,
                            "relevant": r} for i, (p, r) in enumerate(zip(treffers, relevant), start=1)]
        s.update(_zoekscores(mt.rangschik(relevant, [p.score for p in treffers]),
                             n_relevant_per_fragmenten(v.verwachte_passages)))
        s["feiten"] = mt.feiten_score(a.antwoord if not geweigerd else "", v.feiten)
        s["juiste_passage"] = float(not geweigerd and any(mt.is_relevant(c.tekst, v.verwachte_passages) for c in a.citaten))
    else:
        rij["passages"] = []
    if not geweigerd:
        s["citatie_recall"], s["citatie_precisie"] = mt.citatie_scores(a.antwoord, a.citaten)
    s["markers_geldig"], s["markers_totaal"] = mt.markers_geldig(a.antwoord, a.citaten)
    return rij


def _modelzinnen(a) -> dict:
    """Wat de steuncontrole met de zinnen van het model deed; None-waarden als er geen model schreef."""
    teruggevallen = a.modus.startswith("extractief (na")
    # A refusal before the model (and every extractive answer) carries the mode name but no model sentences.
    if not teruggevallen and (a.modus.startswith("extractief") or not a.gevonden):
        return {"model_zinnen": None, "model_verwijderd": None, "teruggevallen": None}
    tekst = a.antwoord
    for zin in a.verwijderd:  # with ASSISTENT_CLAIMCHECK=markeer the removed sentences stay, marked
        tekst = tekst.replace(f"{zin} (niet onderbouwd)", "")
    behouden = 0 if teruggevallen else sum(
        1 for z in cit.splits_antwoord(tekst) if re.search(r"\w", cit.zonder_markers(z.tekst)))
    return {"model_zinnen": behouden + len(a.verwijderd), "model_verwijderd": len(a.verwijderd),
            "teruggevallen": teruggevallen}


def _zoekscores(relevant: list[bool], n: int) -> dict:
    return {"hit@1": mt.hit_at(relevant, 1), "hit@3": mt.hit_at(relevant, 3), "hit@5": mt.hit_at(relevant, 5),
            "mrr@10": mt.mrr_at(relevant, 10), "ndcg@10": mt.ndcg_at(relevant, 10, n)}


def evalueer(dienst, vragen: list[EvalVraag], modus: str | None = None, voortgang: bool = True) -> dict:
    """Alle vragen door de dienst; geeft {"metrieken": …, "per_stijl": …, "vragen": […]}."""
    dienst.zorg_voor_index()
    dienst.zoeker.ververs()
    teksten = [n.text for n in dienst.zoeker.nodes]

    def n_relevant(fragmenten: list[str]) -> int:
        return sum(mt.is_relevant(t, fragmenten) for t in teksten)

    rijen = [evalueer_vraag(dienst, v, modus, n_relevant)
             for v in tqdm(vragen, desc="Evalueren", unit="vraag", file=sys.stderr, disable=not voortgang)]
    return {"metrieken": mt.samenvatten(rijen), "per_stijl": mt.per_stijl(rijen), "vragen": rijen}
