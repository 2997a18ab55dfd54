"""Evaluatie: metrieken tegen handberekeningen, de evalset zelf, een eind-tot-eindrun op de neppen, de steuncontrole."""

import json
import math
import re

import pytest

from assistent import citaten as cit
from assistent import taal
from assistent.evaluatie import metrieken as mt
from assistent.evaluatie import perturbaties as pt
from assistent.evaluatie import runner
from conftest import ROOT, maak_instellingen

DEV = ROOT / "evals" / "dev.jsonl"
TEST = ROOT / "evals" / "test.jsonl"
SPLITS = {"dev": DEV, "test": TEST}
PAREN = ROOT / "evals" / "steun_paren.jsonl"


@pytest.fixture(scope="module")
def nepdienst(tmp_path_factory):
    """Dienst over de echte bronnen met de nep-embedder (snel) en een nep-taalmodel."""
    from assistent.backends.llms import NepLLM
    from assistent.dienst import Dienst

    d = Dienst(maak_instellingen(tmp_path_factory.mktemp("index-evals"), embedder="nep"), llm=NepLLM())
    d.indexeer(voortgang=False)
    d.zoeker.ververs(forceer=True)
    return d


# ---------------- retrieval metrics ----------------

def test_hit_en_mrr_handberekend():
    r = [False, True, False, True]
    assert mt.hit_at(r, 1) == 0.0
    assert mt.hit_at(r, 2) == 1.0
    assert mt.mrr_at(r, 10) == 0.5
    assert mt.mrr_at([False] * 10 + [True], 10) == 0.0  # rank 11 is outside @10


def test_geen_relevante_passage_geeft_nul():
    r = [False] * 10
    assert mt.hit_at(r, 5) == mt.mrr_at(r) == mt.ndcg_at(r, 10, 0) == 0.0
    assert mt.ndcg_at([], 10, 3) == 0.0


def test_ndcg_handberekend():
    # One relevant passage, at rank 2: DCG = 1/log2(3), ideal = 1.
    assert mt.ndcg_at([False, True], 10, 1) == pytest.approx(1 / math.log2(3))
    # Two relevant at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2(3)).
    assert mt.ndcg_at([True, False, True], 10, 2) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # A third relevant passage exists in the index but was not retrieved: the ideal counts it.
    assert mt.ndcg_at([True, False, True], 10, 3) == pytest.approx(1.5 / (1 + 1 / math.log2(3) + 0.5))


def test_gelijke_scores_worden_pessimistisch_gerangschikt():
    assert mt.rangschik([True, False], [0.5, 0.5]) == [False, True]
    assert mt.rangschik([True, False], [0.6, 0.5]) == [True, False]
    r = mt.rangschik([False, True, False], [0.9, 0.4, 0.4])
    assert r == [False, False, True]
    assert mt.hit_at(r, 2) == 0.0 and mt.mrr_at(r) == pytest.approx(1 / 3)


def test_relevantie_negeert_witruimte_en_aanhalingstekens():
    passage = "In de publicatie ‘Betere wijken dankzij de\nenergietransitie?’ (2019) onder-\nzochten we"
    assert mt.is_relevant(passage, ["publicatie 'Betere wijken dankzij de energietransitie?'"])
    assert not mt.is_relevant(passage, ["Opgaven verbinden in de wijk"])
    assert not mt.is_relevant(passage, [])


# ---------------- citation metrics (ALCE) ----------------

def _letters(zin: str, passages: list[str]) -> bool:
    """Stub-steun: de hoofdletters na de eerste letter zijn de beweringen; gesteund als ze allemaal in de passages staan."""
    return set(re.findall(r"[A-Z]", zin[1:])) <= set("".join(passages))


def test_alce_recall_en_precisie_handberekend():
    citaten = [{"nr": 1, "tekst": "A"}, {"nr": 2, "tekst": "B"}]
    antwoord = "Feit A [1]. Feit A en B [1][2]. Feit C [2]. Feit A [1][2]."
    recall, precisie = mt.citatie_scores(antwoord, citaten, steunt=_letters)
    # Sentences 1, 2 and 4 are supported by their citations together; 3 is not.
    assert recall == pytest.approx(3 / 4)
    # Precise: s1 [1]; s2 [1] and [2] (each needed); s4 [1] (alone). Imprecise: s3 [2], s4 [2] (redundant).
    assert precisie == pytest.approx(4 / 6)


def test_alce_zin_zonder_citaat_telt_als_niet_gesteund():
    recall, precisie = mt.citatie_scores("Feit A klopt. Feit A klopt [1].", [{"nr": 1, "tekst": "A"}], steunt=_letters)
    assert recall == 0.5 and precisie == 1.0


def test_alce_leeg_antwoord_en_inleidende_regel():
    assert mt.citatie_scores("", []) == (None, None)
    assert mt.citatie_scores("  \n ", []) == (None, None)
    # An uncited lead-in that ends in ':' is framing, not a claim.
    recall, _ = mt.citatie_scores("Volgens de publicaties:\nFeit A [1].", [{"nr": 1, "tekst": "A"}], steunt=_letters)
    assert recall == 1.0


def test_alce_met_de_echte_steuncontrole():
    p1 = "Aan het experimentenprogramma namen in totaal achttien wijken deel."
    p2 = "Eén gemeente (Leiden) heeft het programma voortijdig verlaten."
    antwoord = ("Aan het experimentenprogramma namen achttien wijken deel [1]. "
                "Leiden heeft het programma voortijdig verlaten [1][2]. "
                "Aan het programma namen twintig wijken deel [1].")
    recall, precisie = mt.citatie_scores(antwoord, [{"nr": 1, "tekst": p1}, {"nr": 2, "tekst": p2}])
    assert recall == pytest.approx(2 / 3)
    assert precisie == pytest.approx(2 / 4)  # [1] on sentence 2 is redundant, sentence 3 is unsupported


def test_markers_geldig():
    assert mt.markers_geldig("x [1]. y [3]. z [1][2].", [{"nr": 1}, {"nr": 2}]) == (3, 4)
    assert mt.markers_geldig("geen markers", []) == (0, 0)


# ---------------- correctness metrics ----------------

def test_feiten_met_schrijfwijzen_en_duizendtallen():
    feiten = [["17.335", "17335"], ["Utrecht"]]
    assert mt.feiten_score("Overvecht-Noord (UTRECHT) heeft 17335 inwoners.", feiten) == 1.0
    assert mt.feiten_score("Overvecht-Noord heeft 17.335 inwoners.", [["17335"]]) == 1.0
    assert mt.feiten_score("Overvecht-Noord heeft 17 335 inwoners.", feiten) == 0.5
    assert mt.feiten_score("Overvecht-Noord heeft 17.353 inwoners.", feiten) == 0.0
    assert mt.feiten_score("", feiten) == 0.0
    assert mt.feiten_score("iets", []) is None


def test_feit_18_telt_niet_in_2018():
    assert mt.feiten_score("Eind 2018 ging het programma van start.", [["18", "achttien"]]) == 0.0
    assert mt.feiten_score("Er deden 18 wijken mee (2018).", [["18"]]) == 1.0
    assert mt.feiten_score("Er deden 180 wijken mee.", [["18"]]) == 0.0  # not the start of a larger number
    assert mt.feiten_score("Er deden 18,5 wijken mee.", [["18"]]) == 0.0
    assert mt.feiten_score("Het waren er 18.", [["18"]]) == 1.0
    # Words count from a word start only; inflections after it still count.
    assert mt.feiten_score("Zoek naar koppelkansen.", [["koppelkans"]]) == 1.0
    assert mt.feiten_score("Zoek naar dekoppelkans.", [["koppelkans"]]) == 0.0
    assert mt.feiten_score("De wijk heeft 117.335 inwoners.", [["17.335"]]) == 0.0


def test_antwoordlengte_in_woorden_zonder_markers():
    assert mt.woorden("Achttien wijken namen deel [1]. Leiden stopte [2][3].") == 6
    assert mt.woorden("") == 0


def test_weigering_herkennen():
    assert mt.is_weigering("Dat kan ik niet terugvinden in de publicaties van het programma.", True, 0)
    assert mt.is_weigering("I cannot find that in the publications.", True, None)
    assert mt.is_weigering("Achttien wijken [1].", False, 1)
    assert mt.is_weigering("", True, 0)
    assert not mt.is_weigering("Achttien wijken namen deel [1].", True, 1)


def test_percentielen_handberekend():
    assert mt.percentiel([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert mt.percentiel([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert mt.percentiel([0.7], 95) == 0.7
    assert mt.percentiel([], 50) is None


def _rij(buiten, geweigerd, **scores):
    extra = {k: scores.pop(k) for k in ("woorden", "model_zinnen", "model_verwijderd", "teruggevallen", "stijl")
             if k in scores}
    duur = scores.pop("duur", 1.0)
    return {"buiten_bronnen": buiten, "geweigerd": geweigerd, "scores": scores, "duur_s": duur} | extra


def test_samenvatten_handberekend():
    rijen = [
        _rij(False, False, **{"hit@1": 1.0, "hit@3": 1.0, "hit@5": 1.0, "mrr@10": 1.0, "ndcg@10": 1.0},
             citatie_recall=1.0, citatie_precisie=0.5, feiten=1.0, markers_geldig=2, markers_totaal=2, duur=1.0,
             woorden=10, juiste_passage=1.0),
        _rij(False, True, **{"hit@1": 0.0, "hit@3": 0.0, "hit@5": 1.0, "mrr@10": 0.25, "ndcg@10": 0.4},
             feiten=0.0, markers_geldig=0, markers_totaal=0, duur=2.0, juiste_passage=0.0),
        _rij(True, True, markers_geldig=0, markers_totaal=0, duur=3.0),
        _rij(True, False, citatie_recall=0.0, citatie_precisie=0.0, markers_geldig=1, markers_totaal=2, duur=4.0,
             woorden=41),
    ]
    m = mt.samenvatten(rijen)
    assert set(m) == set(mt.METRIEKEN)
    assert m["hit@1"] == 0.5 and m["hit@5"] == 1.0 and m["mrr@10"] == 0.625 and m["ndcg@10"] == 0.7
    assert m["citatie_recall"] == 0.5 and m["citatie_precisie"] == 0.25  # over the two answered questions
    assert m["citaties_geldig"] == 0.75
    assert m["feiten"] == 0.5  # the refused answerable question counts as 0
    assert m["juiste_passage"] == 0.5  # so does its (absent) citation
    assert m["goed_geweigerd"] == 0.5 and m["onterecht_geweigerd"] == 0.5
    assert m["latentie_p50_s"] == 2.5 and m["latentie_p95_s"] == pytest.approx(3.85)
    # Length over the two answers that are not refusals.
    assert m["woorden_p50"] == 25.5 and m["woorden_gem"] == 25.5
    # No model wrote anything: the model metrics are missing, not zero.
    assert m["verwijderd_aandeel"] is None and m["teruggevallen"] is None


def test_modelmetrieken_en_per_stijl_handberekend():
    rijen = [
        _rij(False, False, feiten=1.0, woorden=10, model_zinnen=4, model_verwijderd=1, teruggevallen=False,
             stijl="parafrase"),
        _rij(False, False, feiten=0.0, woorden=30, model_zinnen=2, model_verwijderd=2, teruggevallen=True,
             stijl="parafrase"),
        _rij(True, True, stijl="buiten"),  # refused before the model: no model sentences
    ]
    m = mt.samenvatten(rijen)
    assert m["verwijderd_aandeel"] == 0.5  # 3 of the 6 model sentences removed
    assert m["teruggevallen"] == 0.5
    stijl = mt.per_stijl(rijen)
    assert list(stijl) == ["buiten", "parafrase"]
    assert stijl["parafrase"]["n"] == 2 and stijl["parafrase"]["feiten"] == 0.5
    assert stijl["parafrase"]["woorden_p50"] == 20.0
    assert stijl["buiten"]["n"] == 1 and stijl["buiten"]["goed_geweigerd"] == 1.0
    assert mt.per_stijl([_rij(False, False)]) == {}


def test_overtredingen_drempels_en_maxima():
    m = {"hit@5": 0.8, "feiten": 0.9, "onterecht_geweigerd": 0.2, "citatie_recall": None}
    fouten = mt.overtredingen(m, {"hit@5": 0.85, "feiten": 0.7, "citatie_recall": 0.8}, {"onterecht_geweigerd": 0.15})
    assert len(fouten) == 2 and "hit@5" in fouten[0] and "onterecht_geweigerd" in fouten[1]
    assert mt.overtredingen(m, {"hit@5": 0.8}, {"onterecht_geweigerd": 0.2}) == []


def test_cohen_kappa_handberekend():
    # po = 0.75, pe = 0.5*0.25 + 0.5*0.75 = 0.5 → κ = 0.5
    assert mt.cohen_kappa([True, True, False, False], [True, False, False, False]) == pytest.approx(0.5)
    assert mt.cohen_kappa([True, False], [False, True]) == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        mt.cohen_kappa([], [])


# ---------------- the eval set itself ----------------

def test_devsplit_vorm_en_verdeling():
    vragen = runner.laad_set(DEV)  # pydantic checks the field types and forbids unknown fields
    assert len(vragen) >= 60
    buiten = [v for v in vragen if v.buiten_bronnen]
    assert len(buiten) / len(vragen) >= 0.15
    assert sum(bool(v.gesprek) for v in vragen) >= 3
    assert sum(taal.taal_van(v.vraag) == "en" for v in vragen) >= 3
    assert sum(v.id.startswith("injectie") for v in vragen) >= 3
    _velden_kloppen(vragen)


STIJLEN = {"parafrase", "informeel", "trefwoord", "situatie", "tweeledig", "rangtelwoord", "tabel", "engels",
           "vervolg", "buiten", "deels"}


def test_testsplit_vorm_en_verdeling():
    vragen = runner.laad_set(TEST)
    assert len(vragen) >= 120
    assert all(v.stijl for v in vragen), "elke testvraag heeft een stijl"
    per_stijl = {st: [v for v in vragen if v.stijl == st] for st in STIJLEN}
    assert all(len(vs) >= 3 for vs in per_stijl.values()), {st: len(vs) for st, vs in per_stijl.items()}
    assert all(v.gesprek for v in per_stijl["vervolg"])
    assert all(v.buiten_bronnen for v in per_stijl["buiten"])
    assert sum(v.buiten_bronnen for v in vragen) / len(vragen) >= 0.1
    _velden_kloppen(vragen)


def test_test_en_dev_overlappen_niet():
    dev, test = runner.laad_set(DEV), runner.laad_set(TEST)
    assert not {v.id for v in dev} & {v.id for v in test}
    gewoon = {" ".join(taal.woorden(v.vraag)) for v in dev}
    assert not [v.id for v in test if " ".join(taal.woorden(v.vraag)) in gewoon]


def _velden_kloppen(vragen):
    for v in vragen:
        if v.buiten_bronnen:
            assert not v.verwachte_passages and not v.feiten, v.id
        else:
            assert v.verwachte_passages and v.feiten, v.id
            assert all(s.strip() for f in v.feiten for s in f), v.id


@pytest.mark.parametrize("split", sorted(SPLITS))
def test_evalset_fragmenten_staan_in_de_bronnen(nepdienst, split):
    teksten = [n.text for n in nepdienst.zoeker.nodes]
    # Cleaned page texts as the index stores them, joined: a sentence may run on over a page break.
    bron = "\n".join(p for b in nepdienst.bronnen() for p in nepdienst.index.paginas(b["document"]))
    missend = []
    for v in runner.laad_set(SPLITS[split]):
        for f in v.verwachte_passages:
            # In the cleaned source, and inside one passage (a fragment spanning two passages can never be 'hit').
            if not mt.is_relevant(bron, [f]) or not any(mt.is_relevant(t, [f]) for t in teksten):
                missend.append((v.id, f))
    assert not missend
    assert not mt.is_relevant(bron, ["Lombok"])  # the check itself can fail


def test_stijl_is_optioneel_maar_geen_vrij_veld(tmp_path):
    from assistent.fouten import ConfiguratieFout

    pad = tmp_path / "set.jsonl"
    pad.write_text('{"id": "a", "vraag": "x", "stijl": "parafrase"}\n{"id": "b", "vraag": "y"}\n', encoding="utf-8")
    assert [v.stijl for v in runner.laad_set(pad)] == ["parafrase", None]
    pad.write_text('{"id": "a", "vraag": "x", "stijll": "parafrase"}\n', encoding="utf-8")
    with pytest.raises(ConfiguratieFout, match="Regel 1"):
        runner.laad_set(pad)


def test_evalset_fouten_worden_gemeld(tmp_path):
    from assistent.fouten import ConfiguratieFout

    pad = tmp_path / "set.jsonl"
    pad.write_text('{"id": "a", "vraag": "x", "feiten": "geen lijst"}\n', encoding="utf-8")
    with pytest.raises(ConfiguratieFout, match="Regel 1"):
        runner.laad_set(pad)
    pad.write_text('{"id": "a", "vraag": "x"}\n{"id": "a", "vraag": "y"}\n', encoding="utf-8")
    with pytest.raises(ConfiguratieFout, match="Dubbele"):
        runner.laad_set(pad)


def test_gelabelde_paren_vorm():
    paren = pt.laad_paren(PAREN)
    assert len(paren) >= 60
    assert 0.3 <= sum(p["ondersteund"] for p in paren) / len(paren) <= 0.7  # both classes well represented


# ---------------- end to end on the fakes ----------------

def _kleine_set(tmp_path):
    regels = [
        {"id": "a", "vraag": "Hoeveel wijken namen deel aan het experimentenprogramma?",
         "verwachte_passages": ["namen in totaal achttien wijken deel"], "feiten": [["achttien", "18"]],
         "buiten_bronnen": False},
        {"id": "b", "vraag": "Welke gemeente verliet het programma voortijdig?",
         "verwachte_passages": ["één gemeente (Leiden) het programma voortijdig heeft verlaten"],
         "feiten": [["Leiden"]], "buiten_bronnen": False},
        {"id": "c", "vraag": "Wat is de hoofdstad van Australië?", "verwachte_passages": [], "feiten": [],
         "buiten_bronnen": True},
        {"id": "d", "vraag": "En Crabbehof?", "gesprek": [
            {"rol": "gebruiker", "tekst": "Hoeveel inwoners heeft Pendrecht?"},
            {"rol": "assistent", "tekst": "De wijk Pendrecht (gemeente Rotterdam) heeft 12.380 inwoners [1]."}],
         "verwachte_passages": ["Crabbehof Dordrecht 7.420"], "feiten": [["7.420"]], "buiten_bronnen": False},
    ]
    pad = tmp_path / "klein.jsonl"
    pad.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in regels) + "\n", encoding="utf-8")
    return pad


def test_eind_tot_eind_op_de_neppen(nepdienst, tmp_path):
    vragen = runner.laad_set(_kleine_set(tmp_path))
    uitslag = runner.evalueer(nepdienst, vragen, modus="nep", voortgang=False)
    m = uitslag["metrieken"]
    assert set(m) == set(mt.METRIEKEN)
    assert [r["id"] for r in uitslag["vragen"]] == ["a", "b", "c", "d"]
    rij_a, rij_c = uitslag["vragen"][0], uitslag["vragen"][2]
    assert rij_c["geweigerd"] and m["goed_geweigerd"] == 1.0
    # NepLLM refuses by default; the dienst then falls back to extractive sentences with citations.
    for rij in uitslag["vragen"]:
        assert {"antwoord", "modus", "citaten", "scores", "duur_s"} <= set(rij)
        assert rij["scores"]["markers_geldig"] == rij["scores"]["markers_totaal"]
    assert rij_a["passages"] and len(rij_a["passages"]) <= runner.K_ZOEKEN
    assert all(0.0 <= (w or 0.0) <= 1.0 for k, w in m.items() if k not in mt.ABSOLUUT)
    assert m["woorden_p50"] > 0 and m["woorden_gem"] > 0
    assert m["latentie_p50_s"] is not None and m["latentie_p50_s"] >= 0


def test_eind_tot_eind_telt_wat_het_model_zegt(nepdienst, tmp_path):
    """Een model dat de juiste passage citeert scoort; een model dat weigert telt als onterecht geweigerd."""
    llm = nepdienst._llms["nep"]
    pad = tmp_path / "een.jsonl"
    pad.write_text(json.dumps({"id": "a", "vraag": "Hoeveel wijken namen deel aan het experimentenprogramma?",
                               "verwachte_passages": ["namen in totaal achttien wijken deel"],
                               "feiten": [["achttien"]], "buiten_bronnen": False}) + "\n", encoding="utf-8")
    vragen = runner.laad_set(pad)
    resultaat = nepdienst.zoeker.zoek(vragen[0].vraag, k=nepdienst.instellingen.top_k)
    nr = next(i for i, t in enumerate(resultaat.treffers, start=1) if "achttien wijken deel" in t.node.text)
    llm.zet_in_rij(f"Aan het experimentenprogramma namen in totaal achttien wijken deel [{nr}].")
    goed = runner.evalueer(nepdienst, vragen, modus="nep", voortgang=False)
    rij = goed["vragen"][0]
    assert rij["modus"] == "nep" and "achttien wijken" in rij["antwoord"]
    assert goed["metrieken"]["feiten"] == 1.0
    assert goed["metrieken"]["citatie_recall"] == 1.0 and goed["metrieken"]["citatie_precisie"] == 1.0
    assert goed["metrieken"]["citaties_geldig"] == 1.0 and goed["metrieken"]["onterecht_geweigerd"] == 0.0
    assert goed["metrieken"]["hit@5"] == 1.0 and goed["metrieken"]["juiste_passage"] == 1.0
    assert goed["metrieken"]["verwijderd_aandeel"] == 0.0 and goed["metrieken"]["teruggevallen"] == 0.0
    # The same answer when the set expects another passage: the facts are there, the expected passage is not cited.
    ander = next(t.node.text for t in resultaat.treffers if "achttien wijken deel" not in t.node.text)
    pad.write_text(json.dumps({"id": "a", "vraag": vragen[0].vraag, "verwachte_passages": [ander[:60]],
                               "feiten": [["achttien"]], "buiten_bronnen": False}) + "\n", encoding="utf-8")
    llm.zet_in_rij(f"Aan het experimentenprogramma namen in totaal achttien wijken deel [{nr}].")
    elders = runner.evalueer(nepdienst, runner.laad_set(pad), modus="nep", voortgang=False)
    assert elders["metrieken"]["feiten"] == 1.0 and elders["metrieken"]["juiste_passage"] == 0.0


def test_modelrun_meet_wat_de_steuncontrole_weghaalt(nepdienst, tmp_path):
    """Een verzonnen zin naast een gedragen zin: de helft van de modelzinnen weg; alleen verzonnen: teruggevallen."""
    llm = nepdienst._llms["nep"]
    llm.leeg()
    pad = tmp_path / "twee.jsonl"
    regel = {"vraag": "Hoeveel wijken namen deel aan het experimentenprogramma?",
             "verwachte_passages": ["namen in totaal achttien wijken deel"], "feiten": [["achttien"]]}
    pad.write_text("\n".join(json.dumps({"id": i, "stijl": "parafrase"} | regel) for i in ("a", "b")) + "\n",
                   encoding="utf-8")
    vragen = runner.laad_set(pad)
    resultaat = nepdienst.zoeker.zoek(vragen[0].vraag, k=nepdienst.instellingen.top_k)
    nr = next(i for i, t in enumerate(resultaat.treffers, start=1) if "achttien wijken deel" in t.node.text)
    llm.zet_in_rij(f"Aan het experimentenprogramma namen in totaal achttien wijken deel [{nr}]. "
                   f"Het programma kostte twaalf miljoen euro [{nr}].",
                   f"Het programma kostte twaalf miljoen euro [{nr}].")
    uitslag = runner.evalueer(nepdienst, vragen, modus="nep", voortgang=False)
    a, b = uitslag["vragen"]
    assert a["modus"] == "nep" and a["model_zinnen"] == 2 and a["model_verwijderd"] == 1 and not a["teruggevallen"]
    assert b["modus"].startswith("extractief (na") and b["teruggevallen"] and b["model_zinnen"] == 1
    assert b["verwijderd"] == ["Het programma kostte twaalf miljoen euro."]
    m = uitslag["metrieken"]
    assert m["verwijderd_aandeel"] == pytest.approx(2 / 3, abs=1e-4) and m["teruggevallen"] == 0.5
    assert uitslag["per_stijl"]["parafrase"]["n"] == 2
    assert llm.in_rij == 0


def test_modelrun_met_markeren_telt_gemarkeerde_zinnen_als_verwijderd(nepdienst, tmp_path, monkeypatch):
    llm = nepdienst._llms["nep"]
    llm.leeg()
    monkeypatch.setattr(nepdienst.instellingen, "claimcheck", "markeer")
    pad = tmp_path / "een.jsonl"
    pad.write_text(json.dumps({"id": "a", "vraag": "Hoeveel wijken namen deel aan het experimentenprogramma?",
                               "verwachte_passages": ["namen in totaal achttien wijken deel"],
                               "feiten": [["achttien"]]}) + "\n", encoding="utf-8")
    vragen = runner.laad_set(pad)
    resultaat = nepdienst.zoeker.zoek(vragen[0].vraag, k=nepdienst.instellingen.top_k)
    nr = next(i for i, t in enumerate(resultaat.treffers, start=1) if "achttien wijken deel" in t.node.text)
    llm.zet_in_rij(f"Het programma kostte twaalf miljoen euro [{nr}]. "
                   f"Aan het experimentenprogramma namen in totaal achttien wijken deel [{nr}].")
    rij = runner.evalueer(nepdienst, vragen, modus="nep", voortgang=False)["vragen"][0]
    assert "(niet onderbouwd)" in rij["antwoord"]
    assert rij["model_zinnen"] == 2 and rij["model_verwijderd"] == 1 and not rij["teruggevallen"]


def test_cli_eigen_set_json_rapport_vergelijking_en_exitcode(nepdienst, tmp_path, monkeypatch, capsys):
    from assistent import cli
    from assistent.evaluatie import cli as ecli

    monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
    pad = _kleine_set(tmp_path)
    uit = tmp_path / "uit"
    code = cli.main(["evalueer", "--set", str(pad), "--modus", "extractief", "--json", "--uitvoer", str(uit)])
    data = json.loads(capsys.readouterr().out)
    assert list(data["splits"]) == ["klein"] and data["run"]["getoetst"] == "klein"
    assert len(data["splits"]["klein"]["vragen"]) == 4 and data["metrieken"] == data["splits"]["klein"]["metrieken"]
    assert {p.name for p in uit.iterdir()} == {"rapport.json", "rapport.md", "metrieken.png"}
    assert (uit / "metrieken.png").read_bytes()[:4] == b"\x89PNG"
    assert "| hit@5 |" in (uit / "rapport.md").read_text(encoding="utf-8")
    verwacht = 1 if mt.overtredingen(data["metrieken"], nepdienst.instellingen.drempels,
                                     nepdienst.instellingen.maxima) else 0
    assert code == verwacht

    # Against the previous run: the table shows the change; impossible thresholds make the run fail.
    monkeypatch.setitem(nepdienst.instellingen.drempels, "hit@5", 1.01)
    code = cli.main(["evalueer", "--set", str(pad), "--modus", "extractief", "--vergelijk", str(uit / "rapport.json"),
                     "--uitvoer", str(tmp_path / "uit2")])
    uitvoer = capsys.readouterr()
    assert code == 1
    assert "Δ klein" in uitvoer.out and "+0.000" in uitvoer.out
    assert "hit@5" in uitvoer.err and "onder de drempel" in uitvoer.err
    assert (tmp_path / "uit2" / "metrieken.png").exists()


def _splits(tmp_path, monkeypatch):
    """Een dev-split waarop het zoeken faalt (verwacht fragment dat nergens staat) en een test-split waarop het lukt."""
    from assistent.evaluatie import cli as ecli

    goed = {"id": "t1", "vraag": "Hoeveel wijken namen deel aan het experimentenprogramma?",
            "verwachte_passages": ["namen in totaal achttien wijken deel"], "feiten": [["achttien"]],
            "stijl": "parafrase"}
    fout = {"id": "d1", "vraag": "Welke gemeente verliet het programma voortijdig?",
            "verwachte_passages": ["dit fragment staat nergens in de bronnen"], "feiten": [["Leiden"]]}
    buiten = {"id": "t2", "vraag": "Wat is de hoofdstad van Australië?", "buiten_bronnen": True, "stijl": "buiten"}
    paden = {"dev": tmp_path / "dev.jsonl", "test": tmp_path / "test.jsonl"}
    paden["dev"].write_text(json.dumps(fout) + "\n", encoding="utf-8")
    paden["test"].write_text(json.dumps(goed) + "\n" + json.dumps(buiten) + "\n", encoding="utf-8")
    monkeypatch.setattr(ecli, "SPLITS", paden)
    return paden


def test_cli_splits_naast_elkaar_drempels_op_test(nepdienst, tmp_path, monkeypatch, capsys):
    from assistent import cli
    from assistent.evaluatie import cli as ecli

    _splits(tmp_path, monkeypatch)
    monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
    monkeypatch.setattr(nepdienst.instellingen, "drempels", {"hit@5": 0.5})
    monkeypatch.setattr(nepdienst.instellingen, "maxima", {})
    uit = tmp_path / "uit"
    # dev misses the passage (hit@5 0), test finds it (hit@5 1): the threshold applies to test, so the run passes.
    code = cli.main(["evalueer", "--modus", "extractief", "--uitvoer", str(uit)])
    tabel = capsys.readouterr().out
    assert code == 0
    kop, _, *regels = tabel.splitlines()
    assert "dev" in kop and "test" in kop and "status test" in kop
    hit5 = next(r for r in regels if r.startswith("hit@5")).split()
    assert hit5[1:5] == ["0.000", "1.000", "≥", "0.50"] and hit5[5] == "ok"
    assert "Per stijl (test)" in tabel and "parafrase" in tabel
    data = json.loads((uit / "rapport.json").read_text(encoding="utf-8"))
    assert list(data["splits"]) == ["dev", "test"] and data["run"]["getoetst"] == "test"
    assert data["splits"]["test"]["per_stijl"]["buiten"]["goed_geweigerd"] == 1.0
    rapport = (uit / "rapport.md").read_text(encoding="utf-8")
    assert "| metriek | dev | test | grens | status test |" in rapport and "## Per stijl (test)" in rapport

    # Only the dev split: now the thresholds apply to dev, and it fails.
    assert cli.main(["evalueer", "--modus", "extractief", "--split", "dev"]) == 1
    fout = capsys.readouterr().err
    assert "Onder de maat (dev): hit@5" in fout

    # Comparing with that run shows a change column per split.
    cli.main(["evalueer", "--modus", "extractief", "--vergelijk", str(uit / "rapport.json")])
    assert "Δ dev" in capsys.readouterr().out


def test_cli_ontbrekende_split_meldt_dat(nepdienst, tmp_path, monkeypatch, capsys):
    from assistent import cli
    from assistent.evaluatie import cli as ecli

    paden = _splits(tmp_path, monkeypatch)
    paden["test"].unlink()
    monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
    assert cli.main(["evalueer", "--modus", "extractief"]) == 2
    fout = capsys.readouterr().err
    assert "test.jsonl ontbreekt" in fout and "--split" in fout


def test_cli_vergelijkt_met_een_rapport_van_voor_de_splits(tmp_path):
    from assistent.evaluatie import cli as ecli

    pad = tmp_path / "oud.json"
    pad.write_text(json.dumps({"metrieken": {"hit@5": 0.9}, "vragen": [], "run": {"set": "evals/vragen.jsonl"}}),
                   encoding="utf-8")
    assert ecli._lees_vorige(pad) == {"dev": {"hit@5": 0.9}}


# ---------------- validation of the support check ----------------

def _suite(nepdienst):
    nodes = nepdienst.zoeker.nodes
    passages = [n.text for n in nodes if n.metadata.get("soort") in {"tekst", "aanbeveling"}]
    rijen = [(n.metadata["wijk"], n.metadata["gemeente"], int(n.metadata["inwoners"]), n.text) for n in nodes
             if n.metadata.get("soort") == "tabelrij"]
    return pt.bouw_suite(passages, rijen)


def test_verstoringssuite_haalt_de_doelen(nepdienst):
    gevallen = _suite(nepdienst)
    aantallen = {s: sum(g.soort == s for g in gevallen) for s in pt.AFWIJZEN + pt.AANVAARDEN}
    # Every kind of variant is really present, so the rates below cannot pass on an empty suite.
    assert all(n >= 20 for n in aantallen.values()), aantallen
    uitslag = pt.scoor_suite(gevallen)
    assert uitslag["afwijzing_varianten"] >= 0.9, uitslag["per_soort"]
    assert uitslag["aanvaarding_origineel_parafrase"] >= 0.9, uitslag["per_soort"]
    assert all(v >= 0.8 for v in uitslag["per_soort"].values()), uitslag["per_soort"]


def test_verstoringen_veranderen_echt_iets():
    zin = "Aan het experimentenprogramma namen in totaal achttien wijken deel."
    passage = zin + " Drie gemeenten (Alkmaar, Delft en Dordrecht) stroomden in."
    assert pt.getal_variant(zin, passage) not in (None, zin)
    assert "achttien" not in pt.getal_variant(zin, passage)
    assert pt.getal_variant("Overvecht-Noord heeft 17.335 inwoners.", "Overvecht-Noord 17.335") == \
        "Overvecht-Noord heeft 17.336 inwoners."
    assert " niet " in pt.ontkenning_variant(zin)
    assert pt.ontkenning_variant("Het is niet altijd zaligmakend.") == "Het is altijd zaligmakend."
    assert pt.naam_variant("Drie gemeenten (Alkmaar, Delft) stroomden in.", "Alkmaar Delft", ["Alkmaar", "Leiden"]) \
        == "Drie gemeenten (Leiden, Delft) stroomden in."
    assert pt.naam_variant("Alkmaar stroomde in.", "Alkmaar", ["Alkmaar", "Leiden"]) is None  # first word: position


def test_steuncontrole_tegen_de_handlabels():
    uitslag = pt.scoor_paren(pt.laad_paren(PAREN))
    assert uitslag["kappa"] >= 0.6, uitslag["oneens"]
    assert uitslag["accuratesse"] >= 0.8


def test_steun_ontkenning_per_deelzin():
    passage = ("Vaak werden bewoners niet vanaf het begin, maar pas gaandeweg betrokken. Bovendien overheersten "
               "traditionele participatiemethoden.")
    assert cit.steun("Bewoners werden vaak pas gaandeweg betrokken.", passage).ok
    assert not cit.steun("Bewoners werden vanaf het begin betrokken.", passage).ok
    zelden = "Zelden vindt er een 'warme' overdracht plaats en er is lang niet altijd een overdrachtsdocument."
    assert cit.steun("Een warme overdracht vindt zelden plaats.", zelden).ok
    assert not cit.steun("Een warme overdracht vindt meestal plaats.", zelden).ok


def test_cli_valideer(nepdienst, monkeypatch, capsys):
    from assistent import cli
    from assistent.evaluatie import cli as ecli

    monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
    code = cli.main(["evalueer", "--valideer"])
    uit = capsys.readouterr().out
    assert code == 0
    assert "Cohens κ" in uit and "varianten afgewezen" in uit and "Doelen gehaald" in uit


# ---------------- optional judge via a local Ollama stand-in ----------------

@pytest.mark.traag
@pytest.mark.parametrize("eerlijk", [True, False], ids=["volgt-labels", "keert-labels-om"])
def test_rechter_ollama_tegen_lokale_nepserver(nepdienst, monkeypatch, capsys, eerlijk):
    """--rechter ollama tegen een lokale HTTP-server die /api/tags en /api/chat spreekt zoals Ollama. De stand-in
    oordeelt zoals de handlabels (of precies andersom): de uitslag moet dat terugzien, los van de lexicale controle."""
    from ollama_server import NepOllama

    from assistent import cli
    from assistent.evaluatie import cli as ecli

    paren = pt.laad_paren(PAREN)
    labels = {(p["zin"], p["passage"]): p["ondersteund"] for p in paren}

    def oordeel(berichten):
        passage, zin = berichten[-1]["content"].split("PASSAGE:\n", 1)[1].split("\n\nZIN:\n", 1)
        return json.dumps({"ondersteund": labels[(zin, passage)] == eerlijk})

    with NepOllama(modellen=["gemma3:4b"]) as server:
        server.zet_in_rij(*([oordeel] * len(paren)))
        monkeypatch.setattr(nepdienst.instellingen, "ollama_url", server.url)
        monkeypatch.setattr(nepdienst.instellingen, "ollama_model", "gemma3:4b")
        monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
        code = cli.main(["evalueer", "--valideer", "--rechter", "ollama"])
        uit = capsys.readouterr().out
        verzoeken = server.chatverzoeken()
    controle = pt.scoor_paren(paren, pt.met_betekenis(nepdienst.embedder, nepdienst.zoeker.corpus.kalibratie))
    # Agreement of the judge with the support check follows from the check's own accuracy on the labels.
    met_controle = controle["accuratesse"] if eerlijk else 1 - controle["accuratesse"]
    assert code == 0
    assert f"tegen de labels accuratesse {1.0 if eerlijk else 0.0:.1%}" in uit
    assert f"tegen de steuncontrole overeenstemming {met_controle:.1%}" in uit
    assert len(verzoeken) == len(paren)
    assert all(v["options"]["temperature"] == 0 and v["format"] == "json" and v["stream"] is False
               for v in verzoeken)


@pytest.mark.traag
def test_rechter_ollama_onbereikbaar_meldt_dat_in_het_nederlands(nepdienst, monkeypatch, capsys):
    from ollama_server import NepOllama

    from assistent import cli
    from assistent.evaluatie import cli as ecli

    server = NepOllama().start()
    url = server.url
    server.stop()  # the port is now closed: connection refused
    monkeypatch.setattr(nepdienst.instellingen, "ollama_url", url)
    monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
    code = cli.main(["evalueer", "--valideer", "--rechter", "ollama"])
    fout = capsys.readouterr().err
    assert code != 0
    assert "Ollama is niet bereikbaar" in fout and "Oplossing" in fout


@pytest.mark.traag
def test_rechter_ollama_bij_een_evalrun_tegen_lokale_nepserver(nepdienst, tmp_path, monkeypatch, capsys):
    """In een gewone run oordeelt de rechter over elke geciteerde antwoordzin; een rechter die altijd 'nee' zegt
    is het dus oneens met de lexicale controle."""
    from ollama_server import NepOllama

    from assistent import cli
    from assistent.evaluatie import cli as ecli

    with NepOllama(modellen=["gemma3:4b"], standaard='{"ondersteund": false}') as server:
        monkeypatch.setattr(nepdienst.instellingen, "ollama_url", server.url)
        monkeypatch.setattr(nepdienst.instellingen, "ollama_model", "gemma3:4b")
        monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
        cli.main(["evalueer", "--set", str(_kleine_set(tmp_path)), "--modus", "extractief", "--json",
                  "--rechter", "ollama"])
        data = json.loads(capsys.readouterr().out)
        n_verzoeken = len(server.chatverzoeken())
    r = data["rechter"]
    assert r["n"] == n_verzoeken > 0
    assert r["overeenstemming"] == 0.0  # every cited sentence passes the lexical check, the judge says no


@pytest.mark.traag
def test_echte_testsplit_haalt_de_drempels(echte_dienst):
    """Regressiewacht: de test-split, extractief over de echte bronnen, haalt de drempels uit de instellingen (de
    enige plek waar ze staan; `assistent evalueer` toetst dezelfde split aan dezelfde drempels)."""
    from assistent.evaluatie.runner import evalueer, laad_set

    uitslag = evalueer(echte_dienst, laad_set(TEST), modus="extractief", voortgang=False)
    inst = echte_dienst.instellingen
    assert mt.overtredingen(uitslag["metrieken"], inst.drempels, inst.maxima) == [], uitslag["metrieken"]


def test_cli_een_modus_die_niet_kan_stopt_met_een_melding(nepdienst, tmp_path, monkeypatch, capsys):
    from assistent import cli
    from assistent.evaluatie import cli as ecli

    # One mode alone used to run the whole set and score every question as refused, without saying why.
    monkeypatch.setattr(ecli, "_dienst", lambda: nepdienst)
    pad = _kleine_set(tmp_path)
    assert cli.main(["evalueer", "--set", str(pad), "--modus", "onzin"]) == 2
    assert "Onbekende modus 'onzin'" in capsys.readouterr().err
    assert cli.main(["evalueer", "--set", str(pad), "--modus", f"llamacpp:{tmp_path / 'bestaat-niet.gguf'}"]) == 2
    fout = capsys.readouterr().err
    assert "bestaat-niet.gguf" in fout and "Onder de maat" not in fout
