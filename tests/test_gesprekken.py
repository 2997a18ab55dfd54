"""Een gesprek als Markdown: via de API (GET en POST) en als zuivere functie."""

from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from appserver import app_module
from assistent.gesprekken import als_markdown


@pytest.fixture(scope="module")
def client(echte_dienst):
    return TestClient(app_module().bouw_app(echte_dienst, echte_dienst.instellingen))


def test_post_export_met_bronnen_citaat_en_link(client):
    a = client.post("/api/v1/vraag", json={"vraag": "Hoeveel inwoners heeft de wijk Overvecht-Noord?"}).json()
    geweigerd = client.post("/api/v1/vraag", json={"vraag": "Wat is het recept voor appeltaart?"}).json()
    r = client.post("/api/v1/export", json={"titel": "Memo wijkaanpak", "beurten": [
        {"vraag": a["vraag"], "antwoord": a, "aanbeveling": None},
        {"vraag": geweigerd["vraag"], "antwoord": geweigerd}]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert r.headers["content-disposition"].startswith("attachment; filename=\"wijkassistent-gesprek-")
    md = r.text
    assert md.startswith("# Memo wijkaanpak\n")
    assert "## 1. Hoeveel inwoners heeft de wijk Overvecht-Noord?" in md and "17.335 inwoners [1]" in md
    assert "1. *Samen naar een duurzame en leefbare wijk*, p. 4" in md
    assert "   > Overvecht-Noord Utrecht 17.335" in md
    assert ("[Open de bron](http://testserver/api/v1/bronnen/samenvatting-2022/pagina/4?markeer="
            "Overvecht-Noord%20Utrecht%2017.335#markering)") in md
    assert "## 2. Wat is het recept voor appeltaart?" in md and "(Geen bronnen" in md


def test_get_export_beantwoordt_de_vragen(client):
    r = client.get("/api/v1/export", params=[("vraag", "Hoeveel inwoners heeft de wijk Selwerd?"),
                                             ("vraag", "Wat zijn de zeven aanbevelingen?")])
    assert r.status_code == 200
    md = r.text
    eerste, tweede = md.split("## 2. ", 1)
    assert "## 1. Hoeveel inwoners heeft de wijk Selwerd?" in eerste and "6.231" in eerste
    assert tweede.startswith("Wat zijn de zeven aanbevelingen?") and "Hanteer een lerende werkwijze" in tweede
    assert md.count("**Bronnen**") == 2
    r = client.get("/api/v1/export", params={"vraag": "Wat zijn koppelkansen?", "aanbeveling": 9})
    assert r.status_code == 422 and "aanbeveling" in r.json()["fout"]
    r = client.get("/api/v1/export")
    assert r.status_code == 422 and r.json()["fout"] == "Het verzoek is ongeldig: vraag ontbreekt"


@pytest.mark.parametrize("body, woord", [
    ({"beurten": []}, "beurten moet minstens 1"),
    ({"beurten": [{"vraag": "x"}]}, "beurten[0].antwoord ontbreekt"),
    ({"beurten": [], "extra": 1}, "extra is geen bekend veld"),
])
def test_post_export_strikt(client, body, woord):
    r = client.post("/api/v1/export", json=body)
    assert r.status_code == 422 and woord in r.json()["fout"], r.json()


def test_markdown_pdf_link_filter_en_melding():
    c = {"nr": 1, "document": "rapport", "titel": "Rapport *2021*", "pagina": 7, "pagina_eind": 8, "sectie": "Lessen",
         "aanbeveling": 2, "tekst": "Hele passage.", "citaat": "Eerste regel.\nTweede regel.", "score": 0.5}
    beurten = [{"vraag": "Wat\nleren we?", "filters": "aanbeveling 2",
                "antwoord": {"antwoord": "Veel [1].", "gevonden": True, "citaten": [c], "melding": "Let op."}}]
    md = als_markdown(beurten, {"rapport": "rapport.pdf"}, "https://wijk.example.nl/chat/",
                      moment=datetime(2026, 1, 2, 3, 4))
    assert "Geëxporteerd op 02-01-2026 om 03:04." in md
    assert "## 1. Wat leren we?" in md and "*Filter: aanbeveling 2*" in md and "*Let op.*" in md
    assert "1. *Rapport *2021**, p. 7–8, Lessen. [Open de bron](https://wijk.example.nl/chat/api/v1/bronnen/" \
           "rapport/bestand#page=7)" in md
    assert "   > Eerste regel.\n   > Tweede regel." in md
