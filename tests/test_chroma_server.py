"""Servermodus: dezelfde code tegen een echte Chroma-server (`chroma run`) op loopback."""

import json
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from assistent.backends.embedders import NepEmbedding
from assistent.fouten import IndexFout
from assistent.index import Index
from conftest import maak_instellingen
from hulp import BIN, assistent, cli_omgeving

CHROMA = BIN / "chroma"
OVERVECHT = "Hoeveel inwoners heeft de wijk Overvecht-Noord?"


def _vrije_poort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(pad) -> tuple[subprocess.Popen, str]:
    poort = _vrije_poort()
    log = (pad.parent / f"chroma-{poort}.log").open("w")
    p = subprocess.Popen([str(CHROMA), "run", "--path", str(pad), "--host", "127.0.0.1", "--port", str(poort)],
                         stdout=log, stderr=subprocess.STDOUT, env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"})
    url = f"http://127.0.0.1:{poort}"
    eind = time.monotonic() + 60
    while time.monotonic() < eind:
        if p.poll() is not None:
            pytest.fail(f"chroma run stopte meteen: {(pad.parent / f'chroma-{poort}.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as r:
                if r.status == 200:
                    return p, url
        except OSError:
            time.sleep(0.2)
    p.kill()
    pytest.fail("de Chroma-server gaf binnen 60 s geen heartbeat")


def _stop(p: subprocess.Popen) -> None:
    p.terminate()
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


@pytest.fixture(scope="module")
def chroma_map(tmp_path_factory):
    if not CHROMA.exists():
        pytest.skip("de `chroma`-opdracht van het chromadb-pakket staat niet in .venv/bin")
    return tmp_path_factory.mktemp("chroma-server") / "data"


@pytest.fixture(scope="module")
def chroma_server(chroma_map):
    """Een echte `chroma run` op een vrije loopbackpoort; na de module gestopt."""
    p, url = _start(chroma_map)
    yield url
    _stop(p)


def test_indexeren_en_zoeken_op_de_server(tmp_path, bronkopie, chroma_server, chroma_map):
    index = Index(tmp_path / "index", NepEmbedding(), chroma_url=chroma_server, collectie="servertest")
    s = index.bouw(bronkopie, voortgang=False)
    assert s.nieuw and s.fragmenten > 50 and not s.mislukt
    assert not (tmp_path / "index" / "chroma").exists()  # the vectors live on the server, not locally
    assert index.bouw(bronkopie, voortgang=False).overgeslagen == s.nieuw

    from assistent.dienst import Dienst

    d = Dienst(maak_instellingen(tmp_path / "index", bronnen=bronkopie, embedder="nep", chroma_url=chroma_server,
                                 collectie="servertest"))
    passages = d.zoek(OVERVECHT)
    assert any("Overvecht-Noord Utrecht 17.335" in p.tekst and p.pagina == 4 for p in passages)


def test_cli_met_assistent_chroma_url(tmp_path, bronkopie, chroma_server):
    env = cli_omgeving(tmp_path / "index", bronkopie, ASSISTENT_CHROMA_URL=chroma_server,
                       ASSISTENT_COLLECTIE="clitest")
    r = assistent("indexeer", "--json", "--stil", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["fragmenten"] > 50
    r = assistent("zoek", "--json", OVERVECHT, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert any(p["pagina"] == 4 and "Overvecht-Noord" in p["tekst"] for p in json.loads(r.stdout)["passages"])


@pytest.mark.traag
def test_index_overleeft_herstart_van_de_server(tmp_path, bronkopie, chroma_map):
    """Een tweede server op dezelfde map ziet de index van de eerste: herindexeren doet niets."""
    bron = tmp_path / "kopie"
    shutil.copytree(chroma_map, bron)  # the module's server keeps running on the original
    p, url = _start(bron)
    try:
        index = Index(tmp_path / "index", NepEmbedding(), chroma_url=url, collectie="servertest")
        assert index.bestaat()
        s = index.bouw(bronkopie, voortgang=False)
        assert s.overgeslagen and not s.gewijzigd
    finally:
        _stop(p)


def test_server_onbereikbaar_geeft_duidelijke_fout(tmp_path):
    url = f"http://127.0.0.1:{_vrije_poort()}"
    index = Index(tmp_path / "index", NepEmbedding(), chroma_url=url)
    with pytest.raises(IndexFout) as e:
        index.bestaat()
    assert url in e.value.melding and "niet bereikbaar" in e.value.melding
    assert "chroma run" in e.value.oplossing and "ASSISTENT_CHROMA_URL" in e.value.oplossing


def test_cli_server_onbereikbaar(tmp_path, bronkopie):
    env = cli_omgeving(tmp_path / "index", bronkopie, ASSISTENT_CHROMA_URL=f"http://127.0.0.1:{_vrije_poort()}")
    r = assistent("indexeer", "--stil", env=env, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "niet bereikbaar" in r.stderr and "Oplossing:" in r.stderr
