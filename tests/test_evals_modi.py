"""`assistent evalueer --modus a,b`: de modi naast elkaar (tabel, grafiek, verwijderde beweringen, terugval)."""

import json

import pytest

from assistent.evaluatie import metrieken as mt
from assistent.evaluatie import modi as md
from assistent.evaluatie.runner import EvalVraag
from conftest import maak_instellingen

GOED = "Eind 2018 ging het programma van start met vijftien deelnemende gemeenten"
VRAGEN = [
    EvalVraag(id="a", vraag="Welke gemeenten namen deel aan het programma?", verwachte_passages=[GOED],
              feiten=[["vijftien"]]),
    EvalVraag(id="b", vraag="Wat is het recept voor appeltaart?", buiten_bronnen=True),
]


@pytest.fixture(scope="module")
def nepdienst(echte_dienst):
    import hulp

    from assistent.backends.llms import NepLLM
    from assistent.dienst import Dienst

    # One supported sentence and one invented one: the check removes half of the model's statements.
    def antwoord(prompt: str) -> str:
        nr = hulp.passage_nr(prompt, GOED)
        return f"{GOED} [{nr}]. Utrecht betaalde 3 miljoen euro [{nr}]."

    nep = NepLLM([antwoord] * 4)
    return Dienst(maak_instellingen(echte_dienst.instellingen.index, llm="nep"), llm=nep)


def test_modi_uit_komma_en_herhaald():
    assert md.modi_uit(["extractief,llamacpp", "llamacpp", " ollama "]) == ["extractief", "llamacpp", "ollama"]
    assert md.modi_uit(None) == []


def test_vergelijking_per_modus(nepdienst, tmp_path):
    uitslag = md.vergelijk(nepdienst, VRAGEN, ["extractief", "nep", "openai"], voortgang=False)
    # openai is not configured here: skipped with the reason, the others ran.
    assert list(uitslag["modi"]) == ["extractief", "nep"]
    assert "Geen OpenAI-compatibele server" in uitslag["overgeslagen"]["openai"]
    ex, nep = uitslag["modi"]["extractief"]["metrieken"], uitslag["modi"]["nep"]["metrieken"]
    ex_rij = uitslag["modi"]["extractief"]["vragen"][0]
    assert ex["feiten"] == mt.feiten_score(ex_rij["antwoord"], VRAGEN[0].feiten)
    assert ex["juiste_passage"] == float(any(GOED in c["tekst"] for c in ex_rij["citaten"]))
    assert ex["goed_geweigerd"] == 1.0 and ex["onterecht_geweigerd"] == 0.0 and ex["markers_geldig"] == 1.0
    assert ex["verwijderd_aandeel"] is None and ex["terugval"] is None and ex["eerste_token_p50_s"] is None
    assert nep["feiten"] == 1.0 and nep["juiste_passage"] == 1.0 and nep["markers_geldig"] == 1.0 and nep["onterecht_geweigerd"] == 0.0
    assert nep["verwijderd_aandeel"] == 0.5 and nep["terugval"] == 0.0
    assert nep["eerste_token_p50_s"] > 0 and nep["totaal_p95_s"] >= nep["totaal_p50_s"]
    rij = uitslag["modi"]["nep"]["vragen"][0]
    assert rij["verwijderd"] == ["Utrecht betaalde 3 miljoen euro."] and rij["beweringen"] == 2

    md.schrijf(tmp_path, uitslag)
    tabel = (tmp_path / "modi.md").read_text(encoding="utf-8")
    assert "| extractief | 2 |" in tabel and "| nep | 2 |" in tabel and "openai | overgeslagen" in tabel
    assert "modelbeweringen verwijderd" in tabel and "| 50% |" in tabel
    assert (tmp_path / "modi.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "modi.json").read_text(encoding="utf-8"))["modi"]["nep"]["metrieken"]["vragen"] == 2
