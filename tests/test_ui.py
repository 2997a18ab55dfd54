"""De Gradio-chat: het benoemde API-eindpunt /vraag via gradio_client, de weergave van bronnen, geen externe fonts."""

import httpx
import pytest

from appserver import app_module, draai
from assistent.citaten import Citaat
from assistent.ui import bronkaart, bronnenpaneel, modusregel
from conftest import maak_instellingen


@pytest.fixture(scope="module")
def server(echte_dienst):
    with draai(app_module().bouw_app(echte_dienst, echte_dienst.instellingen)) as url:
        yield url


@pytest.fixture(scope="module")
def server_met_sleutel(echte_dienst):
    inst = maak_instellingen(echte_dienst.instellingen.index, api_sleutel="geheim-123")
    with draai(app_module().bouw_app(echte_dienst, inst)) as url:
        yield url


def test_gradio_client_vraag(server):
    from gradio_client import Client

    c = Client(server + "/", verbose=False)
    assert "/vraag" in c.view_api(print_info=False, return_format="dict")["named_endpoints"]
    a = c.predict("Wat zijn de zeven aanbevelingen?", api_name="/vraag")
    assert a["gevonden"] and "Hanteer een lerende werkwijze" in a["antwoord"]
    assert a["citaten"][0]["titel"] == "Samen naar een duurzame en leefbare wijk" and a["citaten"][0]["pagina"] == 9
    # Optional arguments: a recommendation filter.
    a = c.predict("Hoe bereik je bewoners?", "", 5, api_name="/vraag")
    assert a["citaten"] and all(x["aanbeveling"] == 5 for x in a["citaten"])


def test_gradio_client_lege_vraag_geeft_nederlandse_fout(server):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="De vraag is leeg"):
        Client(server + "/", verbose=False).predict("  ", api_name="/vraag")


def test_gradio_client_achter_sleutel(server_met_sleutel):
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    with pytest.raises(AuthenticationError):
        Client(server_met_sleutel + "/", verbose=False)
    c = Client(server_met_sleutel + "/", verbose=False, headers={"Authorization": "Bearer geheim-123"})
    assert c.predict("Wat zijn koppelkansen?", api_name="/vraag")["citaten"]


def test_pagina_en_thema_zonder_externe_bronnen(server):
    with httpx.Client(base_url=server) as h:
        pagina = h.get("/").text
        thema = h.get("/theme.css").text
    assert "Wijkassistent" in pagina
    for tekst in (pagina, thema):
        assert "googleapis" not in tekst and "fonts.gstatic" not in tekst
    assert "system-ui" in thema


def test_modusregel(echte_dienst):
    regel = modusregel(echte_dienst)
    assert "zonder taalmodel: antwoorden uit de bronnen" in regel
    assert "1 publicatie" in regel and "10 pagina's" in regel


def test_bronkaart_link_markering_en_escape():
    c = Citaat(nr=2, document="samenvatting-2022", titel="Titel <b>", pagina=9, pagina_eind=10, aanbeveling=5,
               sectie="Aanbeveling 5: Investeer", tekst="Eerste zin. Maak participatie belangrijk. <script>x</script>",
               citaat="Maak participatie belangrijk.")
    html_ = bronkaart(3, c, {"samenvatting-2022": "s.txt"})
    assert 'id="bron-3-2"' in html_ and "p. 9–10" in html_ and "Aanbeveling 5: Investeer" in html_
    assert "<mark>Maak participatie belangrijk.</mark>" in html_
    assert "<script>" not in html_ and "Titel &lt;b&gt;" in html_
    assert 'href="api/v1/bronnen/samenvatting-2022/pagina/9?markeer=Maak%20participatie%20belangrijk.#markering"' in html_
    pdf = bronkaart(1, c, {"samenvatting-2022": "rapport.pdf"})
    assert 'href="api/v1/bronnen/samenvatting-2022/bestand#page=9"' in pdf


def test_bronnenpaneel_nieuwste_eerst():
    c = Citaat(nr=1, document="d", titel="T", pagina=1, tekst="x")
    beurten = [{"vraag": "eerste", "antwoord": {"citaten": [c.model_dump()]}},
               {"vraag": "tweede", "antwoord": {"citaten": [c.model_dump()]}},
               {"vraag": "geweigerd", "antwoord": {"citaten": []}}]
    p = bronnenpaneel(beurten, {})
    assert p.index("bron-2-1") < p.index("bron-1-1") and "geweigerd" not in p
    assert "Hier verschijnen de bronnen" in bronnenpaneel([], {})


def test_voortgang_en_publicatietabel():
    from assistent.ui import publicatietabel_html, voortgang_html

    bezig = voortgang_html({"bezig": True, "taak": "Toevoegen: <b>X</b>", "stap": "x.pdf: 8 van 16 fragmenten",
                            "voortgang": 0.5, "wachtrij": ["Toevoegen: Y"]})
    assert '<progress max="100" value="50"' in bezig and "nog 1 in de wachtrij" in bezig
    assert "&lt;b&gt;X&lt;/b&gt;" in bezig
    klaar = voortgang_html({"bezig": False, "laatste": {"taak": "Verwijderen: X", "verwijderd": ["x.pdf"],
                                                        "fragmenten": 54, "mislukt": {"y.pdf": "versleuteld"}},
                            "fout": None})
    assert "<progress" not in klaar and "1 verwijderd" in klaar and "y.pdf: versleuteld" in klaar
    tabel = publicatietabel_html([{"id": "a", "bestand": "a.pdf", "titel": "<script>", "uitgever": "U", "jaar": 2020,
                                   "soort": "rapport", "paginas": 3, "fragmenten": 4, "geindexeerd": None,
                                   "gewijzigd": True, "status": "gewijzigd sinds het indexeren"}])
    assert "<script>" not in tabel and "&lt;script&gt;" in tabel and "<b>gewijzigd sinds het indexeren</b>" in tabel
    assert "Er zijn nog geen publicaties" in publicatietabel_html([])
