"""Het OpenAI-compatibele eindpunt van de assistent zelf: modellenlijst, model_not_found, welk model antwoordde, usage."""

import pytest
from fastapi.testclient import TestClient

from appserver import app_module, draai
from assistent.backends.llms import NepLLM
from conftest import maak_instellingen

VRAAG = "Wat zijn de zeven aanbevelingen?"


@pytest.fixture(scope="module")
def client(echte_dienst):
    return TestClient(app_module().bouw_app(echte_dienst, echte_dienst.instellingen))


def test_modellen_lijst_noemt_wijkassistent_en_de_beschikbare_modi(client):
    r = client.get("/v1/models")
    assert r.status_code == 200
    ids = [m["id"] for m in r.json()["data"]]
    # The test service has no GGUF, no OpenAI server and no Ollama: only these two.
    assert ids == ["wijkassistent", "wijkassistent-extractief"]
    assert all(m["object"] == "model" and m["owned_by"] == "wijkassistent" for m in r.json()["data"])


def test_onbekend_model_geeft_openai_model_not_found(client):
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": VRAAG}]})
    assert r.status_code == 404
    fout = r.json()["error"]
    assert set(fout) == {"message", "type", "param", "code"}
    assert fout["code"] == "model_not_found" and fout["param"] == "model" and fout["type"] == "invalid_request_error"
    assert "gpt-4o" in fout["message"] and "/v1/models" in fout["message"]


def test_nepmodus_is_geen_publiek_model(client):
    r = client.post("/v1/chat/completions", json={"model": "wijkassistent-nep",
                                                  "messages": [{"role": "user", "content": VRAAG}]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    schema = client.get("/openapi.json").json()
    modus = schema["components"]["schemas"]["VraagVerzoek"]["properties"]["modus"]
    keuzes = [w for deel in modus.get("anyOf", [modus]) for w in deel.get("enum", [])]
    assert "extractief" in keuzes and "openai" in keuzes and "nep" not in keuzes
    assert "nep" not in str(schema["components"]["schemas"]["ChatVerzoek"])


def test_extractief_antwoord_meldt_model_en_nul_tokens_met_reden(client):
    r = client.post("/v1/chat/completions", json={"model": "wijkassistent", "messages": [
        {"role": "user", "content": VRAAG}]})
    d = r.json()
    assert r.status_code == 200
    assert d["model"] == "wijkassistent-extractief" and d["modus"] == "extractief"
    u = d["usage"]
    assert (u["prompt_tokens"], u["completion_tokens"], u["total_tokens"]) == (0, 0, 0)
    assert "zonder taalmodel" in u["toelichting"]
    # The mode's own id answers the same way; so does the bare mode name.
    for model in ("wijkassistent-extractief", "extractief"):
        r = client.post("/v1/chat/completions", json={"model": model, "messages": [{"role": "user", "content": VRAAG}]})
        assert r.status_code == 200 and r.json()["model"] == "wijkassistent-extractief"


def test_gevraagd_model_dat_er_niet_is_geeft_duidelijke_fout(client):
    r = client.post("/v1/chat/completions", json={"model": "wijkassistent-openai",
                                                  "messages": [{"role": "user", "content": VRAAG}]})
    assert r.status_code == 400
    assert "ASSISTENT_OPENAI_URL" in r.json()["oplossing"] and r.json()["error"]["message"]


def test_openai_client_ziet_model_en_usage_van_een_taalmodel(echte_dienst):
    from openai import OpenAI

    from assistent.dienst import Dienst

    goed = "Eind 2018 ging het programma van start met vijftien deelnemende gemeenten"

    def antwoord(prompt: str) -> str:
        import hulp

        return f"{goed} [{hulp.passage_nr(prompt, goed)}]."

    nep = NepLLM([antwoord, antwoord])
    d = Dienst(maak_instellingen(echte_dienst.instellingen.index, llm="nep"), llm=nep)
    with draai(app_module().bouw_app(d, d.instellingen)) as url:
        oc = OpenAI(base_url=f"{url}/v1", api_key="x", max_retries=0)
        r = oc.chat.completions.create(model="wijkassistent",
                                       messages=[{"role": "user", "content": "Welke gemeenten namen deel aan het programma?"}])
        assert r.model == "wijkassistent-nep" and goed in r.choices[0].message.content
        # Counted: the fake model streams word by word, one piece per token.
        assert r.usage.completion_tokens == len(goed.split()) + 1 and r.usage.total_tokens >= r.usage.completion_tokens
        assert "toelichting" not in (r.usage.model_extra or {})
        stukken = list(oc.chat.completions.create(model="wijkassistent", stream=True, messages=[
            {"role": "user", "content": "Welke gemeenten namen deel aan het programma?"}]))
        assert stukken[-1].usage.completion_tokens == r.usage.completion_tokens
        assert {s.model for s in stukken} == {"wijkassistent-nep"}


def test_nepmodus_niet_te_kiezen_zonder_ingespoten_model(echte_dienst, client):
    from assistent.fouten import OngeldigeVraag

    with pytest.raises(OngeldigeVraag, match="Onbekende modus 'nep'"):
        echte_dienst.vraag(VRAAG, modus="nep")
    r = client.post("/api/v1/vraag", json={"vraag": VRAAG, "modus": "nep"})
    assert r.status_code == 422 and "modus" in r.json()["fout"]
