"""Publicaties beheren via de API: toevoegen, vragen, verwijderen, herindexeren; slechte uploads veranderen niets."""

import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from appserver import app_module
from conftest import maak_instellingen
from hulp import TESTPAGINAS, VOET, schrijf_pdf, versleutel

VRAAG = "Wat doen energiecoaches in de wijk?"


@pytest.fixture(scope="module")
def dienst(beheerdienst):
    return beheerdienst


@pytest.fixture(scope="module")
def client(dienst):
    return TestClient(app_module().bouw_app(dienst, dienst.instellingen), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    m = tmp_path_factory.mktemp("pdfs")
    werkboek = schrijf_pdf(m / "werkboek.pdf", TESTPAGINAS, voet=VOET)
    return {"werkboek": werkboek,
            "anders": schrijf_pdf(m / "anders.pdf", [TESTPAGINAS[2], TESTPAGINAS[0]], voet="Ander werkboek"),
            "derde": schrijf_pdf(m / "derde.pdf", [TESTPAGINAS[1]], voet="Derde"),
            "plaatjes": schrijf_pdf(m / "plaatjes.pdf", [["x"]], alleen_afbeelding=True),
            "versleuteld": versleutel(werkboek, m / "versleuteld.pdf")}


def _wacht(client, timeout: float = 180) -> dict:
    eind = time.monotonic() + timeout
    while time.monotonic() < eind:
        stand = client.get("/api/v1/indexering").json()
        if not stand["bezig"]:
            return stand
        time.sleep(0.2)
    raise AssertionError(f"indexeren werd niet klaar: {stand}")


def _upload(client, pad: Path, naam: str | None = None, **velden):
    gegevens = {"titel": "Werkboek verduurzamen met bewoners", "uitgever": "Platform31", "jaar": "2020",
                "soort": "werkboek"} | velden
    with pad.open("rb") as f:
        return client.post("/api/v1/bronnen", data=gegevens,
                           files={"bestand": (naam or pad.name, f, "application/pdf")})


def _momentopname(dienst) -> tuple:
    m = dienst.instellingen.bronnen
    return (sorted(p.name for p in m.iterdir()), (m / "catalogus.toml").read_text(encoding="utf-8"),
            [b["document"] for b in dienst.bronnen()])


def test_toevoegen_vragen_verwijderen(client, dienst, pdfs):
    generatie = dienst.index.generatie()
    r = _upload(client, pdfs["werkboek"])
    assert r.status_code == 202, r.text
    taak = r.json()
    assert taak["id"] == "werkboek" and taak["paginas"] == 3 and taak["indexering"]["bezig"] is True
    stand = _wacht(client)
    assert stand["fout"] is None and stand["laatste"]["nieuw"] == ["werkboek.pdf"] and stand["voortgang"] == 1.0
    assert stand["generatie"] > generatie

    p = next(p for p in client.get("/api/v1/bronnen").json() if p["id"] == "werkboek")
    assert p["titel"] == "Werkboek verduurzamen met bewoners" and p["uitgever"] == "Platform31" and p["jaar"] == 2020
    assert p["soort"] == "werkboek" and p["paginas"] == 3 and p["fragmenten"] > 0 and p["geindexeerd"]
    assert p["gewijzigd"] is False and p["status"] == "geïndexeerd"
    catalogus = (dienst.instellingen.bronnen / "catalogus.toml").read_text(encoding="utf-8")
    assert '["werkboek.pdf"]' in catalogus and 'id = "werkboek"' in catalogus
    assert catalogus.startswith("# Catalogus van de bronnen")  # the explanation at the top stays

    # The running service answers from it at once: no restart.
    a = client.post("/api/v1/vraag", json={"vraag": VRAAG}).json()
    assert a["gevonden"] and a["citaten"][0]["document"] == "werkboek", a
    assert "Energiecoaches" in a["antwoord"] and a["citaten"][0]["pagina"] == 2
    assert client.get("/api/v1/bronnen/werkboek/bestand").status_code == 200

    r = client.delete("/api/v1/bronnen/werkboek")
    assert r.status_code == 202 and r.json()["titel"] == "Werkboek verduurzamen met bewoners"
    stand = _wacht(client)
    assert stand["laatste"]["verwijderd"] == ["werkboek.pdf"]
    assert not (dienst.instellingen.bronnen / "werkboek.pdf").exists()
    assert "werkboek" not in (dienst.instellingen.bronnen / "catalogus.toml").read_text(encoding="utf-8")
    assert all(p["id"] != "werkboek" for p in client.get("/api/v1/bronnen").json())
    a = client.post("/api/v1/vraag", json={"vraag": VRAAG}).json()
    assert all(c["document"] != "werkboek" for c in a["citaten"])
    assert client.delete("/api/v1/bronnen/werkboek").status_code == 404


@pytest.mark.parametrize("geval, status, woord", [
    ("docx", 422, "dit soort bestand kan niet"),
    ("versleuteld", 422, "versleuteld"),
    ("plaatjes", 422, "geen tekstlaag"),
    ("nep-pdf", 422, "is geen PDF"),
    ("pad", 422, "bestandsnaam"),
    ("windowspad", 422, "bestandsnaam"),
    ("verborgen", 422, "bestandsnaam"),
    ("dubbel", 409, "dezelfde inhoud als"),
    ("bestaande-id", 409, "al in gebruik"),
    ("slechte-id", 422, "id"),
    ("geen-titel", 422, "titel ontbreekt"),
    ("jaar-tekst", 422, "jaar moet een geheel getal zijn"),
])
def test_slechte_upload_verandert_niets(client, dienst, pdfs, tmp_path, geval, status, woord):
    voor = _momentopname(dienst)
    txt = next(p for p in dienst.instellingen.bronnen.iterdir() if p.suffix == ".txt")
    pad, naam, velden = pdfs["werkboek"], None, {}
    if geval == "docx":
        pad = tmp_path / "notitie.docx"
        pad.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    elif geval == "nep-pdf":
        pad = tmp_path / "tekst.pdf"
        pad.write_text("Dit is gewone tekst met een .pdf-naam.", encoding="utf-8")
    elif geval in ("versleuteld", "plaatjes"):
        pad = pdfs[geval]
    elif geval == "pad":
        naam = "../../buiten.pdf"
    elif geval == "windowspad":
        naam = "map\\werkboek.pdf"
    elif geval == "verborgen":
        naam = ".werkboek.pdf"
    elif geval == "dubbel":
        pad, naam = txt, "kopie.txt"
    elif geval == "bestaande-id":
        velden = {"id": "samenvatting-2022"}
    elif geval == "slechte-id":
        velden = {"id": "Met Spaties/en slash"}
    elif geval == "geen-titel":
        velden = {"titel": "  "}
    elif geval == "jaar-tekst":
        velden = {"jaar": "twintig"}
    r = _upload(client, pad, naam, **velden)
    assert r.status_code == status, r.text
    d = r.json()
    assert woord in d["fout"], d["fout"]
    assert d["oplossing"] and "Traceback" not in r.text
    assert _momentopname(dienst) == voor
    assert not client.get("/api/v1/indexering").json()["bezig"]
    assert not list(dienst.instellingen.bronnen.glob(".upload-*"))


def test_te_groot_bestand(dienst, pdfs):
    from assistent.fouten import UploadTeGroot
    from assistent.publicaties import Publicaties

    klein = Publicaties(dienst.instellingen.bronnen, dienst.index, max_bytes=500, na_indexeren=lambda: None)
    voor = _momentopname(dienst)
    with pytest.raises(UploadTeGroot, match="te groot") as e:
        klein.voeg_toe("werkboek.pdf", pdfs["werkboek"].read_bytes(), "Werkboek")
    assert e.value.http_status == 413 and "ASSISTENT_MAX_UPLOAD_BYTES" in e.value.oplossing
    assert _momentopname(dienst) == voor


def test_twee_uploads_tegelijk_en_dubbel_tegelijk(client, dienst, pdfs):
    uitslagen: dict[str, int] = {}

    def stuur(sleutel: str, pad: Path, naam: str, titel: str) -> None:
        uitslagen[sleutel] = _upload(client, pad, naam, titel=titel).status_code

    draden = [threading.Thread(target=stuur, args=("a", pdfs["anders"], "anders.pdf", "Ander werkboek")),
              threading.Thread(target=stuur, args=("b", pdfs["derde"], "derde.pdf", "Derde werkboek")),
              # The same content twice at once, under two names: exactly one may pass.
              threading.Thread(target=stuur, args=("c", pdfs["werkboek"], "een.pdf", "Een")),
              threading.Thread(target=stuur, args=("d", pdfs["werkboek"], "twee.pdf", "Twee"))]
    for t in draden:
        t.start()
    for t in draden:
        t.join(timeout=120)
    assert uitslagen["a"] == uitslagen["b"] == 202
    assert sorted([uitslagen["c"], uitslagen["d"]]) == [202, 409]
    stand = _wacht(client)
    assert stand["fout"] is None
    ids = {p["id"]: p for p in client.get("/api/v1/bronnen").json()}
    assert ids["anders"]["status"] == ids["derde"]["status"] == "geïndexeerd"
    assert ("een" in ids) != ("twee" in ids)
    for id_ in ("anders", "derde", "een" if "een" in ids else "twee"):
        assert client.delete(f"/api/v1/bronnen/{id_}").status_code == 202
    _wacht(client)


def test_upload_tijdens_een_andere_indexering_wacht(client, dienst, pdfs):
    # Hold the index lock, as `assistent indexeer` in another process would.
    with dienst.index._slot():
        r = _upload(client, pdfs["derde"], titel="Derde werkboek")
        assert r.status_code == 202
        eind = time.monotonic() + 30
        while "wacht tot een andere indexering" not in client.get("/api/v1/indexering").json()["stap"]:
            assert time.monotonic() < eind, client.get("/api/v1/indexering").json()
            time.sleep(0.1)
        assert client.get("/api/v1/indexering").json()["bezig"] is True
    stand = _wacht(client)
    assert stand["fout"] is None and stand["laatste"]["nieuw"] == ["derde.pdf"]
    assert client.delete("/api/v1/bronnen/derde").status_code == 202
    _wacht(client)


def test_herindexeren_een_en_alles_en_gewijzigd(client, dienst):
    txt = next(p for p in dienst.instellingen.bronnen.iterdir() if p.suffix == ".txt")
    r = client.post("/api/v1/bronnen/samenvatting-2022/indexeer")
    assert r.status_code == 202
    assert _wacht(client)["laatste"]["vervangen"] == [txt.name]
    assert client.post("/api/v1/bronnen/bestaat-niet/indexeer").status_code == 404
    r = client.post("/api/v1/indexering")
    assert r.status_code == 202
    assert _wacht(client)["laatste"]["vervangen"] == [txt.name]
    # A file changed on disk after indexing is reported as such.
    oud = txt.read_bytes()
    try:
        txt.write_bytes(oud + b"\nEen extra regel.\n")
        p = next(p for p in client.get("/api/v1/bronnen").json() if p["id"] == "samenvatting-2022")
        assert p["gewijzigd"] is True and p["status"] == "gewijzigd sinds het indexeren"
    finally:
        txt.write_bytes(oud)
    assert client.post("/api/v1/vraag", json={"vraag": "Wat zijn de zeven aanbevelingen?"}).json()["gevonden"]


def test_catalogus_schrijven_behoudt_kop_en_velden(tmp_path):
    import tomllib

    from assistent.publicaties import schrijf_catalogus

    pad = tmp_path / "catalogus.toml"
    pad.write_text("# kop\n# tweede regel\n\n[\"a.pdf\"]\nid = \"a\"\n", encoding="utf-8")
    inhoud = {"a.pdf": {"id": "a", "auteurs": ["X", "Y \"Z\""], "jaar": 2021},
              "b c.txt": {"id": "b", "titel": "Titel met \\ en é", "soort": ""}}
    schrijf_catalogus(pad, inhoud)
    tekst = pad.read_text(encoding="utf-8")
    assert tekst.startswith("# kop\n# tweede regel\n")
    assert tomllib.loads(tekst) == {"a.pdf": {"id": "a", "auteurs": ["X", "Y \"Z\""], "jaar": 2021},
                                    "b c.txt": {"id": "b", "titel": "Titel met \\ en é"}}


def test_beheer_alleen_met_sleutel(dienst, pdfs):
    """Met een API-sleutel kan niemand zonder sleutel publicaties beheren, ook niet via het tabblad (de chat)."""
    inst = maak_instellingen(dienst.instellingen.index, bronnen=dienst.instellingen.bronnen, api_sleutel="geheim-123")
    c = TestClient(app_module().bouw_app(dienst, inst), follow_redirects=False)
    voor = _momentopname(dienst)
    assert _upload(c, pdfs["werkboek"]).status_code == 401
    assert c.delete("/api/v1/bronnen/samenvatting-2022").status_code == 401
    assert c.post("/api/v1/indexering").status_code == 401
    assert c.get("/api/v1/indexering").status_code == 401
    assert c.get("/").status_code == 401 and c.post("/gradio_api/upload").status_code == 401
    assert _momentopname(dienst) == voor
    sleutel = {"Authorization": "Bearer geheim-123"}
    assert c.get("/api/v1/indexering", headers=sleutel).json()["bezig"] is False
