"""Onderbroken en gelijktijdige indexering, met echte processen: niets dubbel, niets kwijt."""

import random
import shutil
import signal
import subprocess
import sys

import pytest

from assistent.backends.embedders import NepEmbedding
from assistent.bronnen import bestandshash
from assistent.fouten import IndexBezet

# Real processes killed mid-indexing: not in `make test-snel`.
pytestmark = pytest.mark.traag
from assistent.index import Index
from conftest import BRONNEN
from hulp import ROOT, TESTPAGINAS, VOET, assistent, cli_omgeving, schrijf_pdf

SAMENVATTING = "samen-naar-een-duurzame-en-leefbare-wijk-samenvatting.txt"

# Indexes like `assistent indexeer`, with the same embedder identity as 'nep', but reports every embedding batch
# on stdout and (with --wacht) blocks after the first one until a line arrives on stdin.
DRIJVER = r"""
import sys, time
from pathlib import Path
from assistent.backends.embedders import NepEmbedding
from assistent.bronnen import bestandshash
from assistent.index import Index

class Gemeld(NepEmbedding):
    def _get_text_embeddings(self, texts):
        print("batch", flush=True)
        if "--wacht" in sys.argv:
            sys.stdin.readline()
        time.sleep(0.01)
        return [self._vector(t) for t in texts]

s = Index(Path(sys.argv[1]), Gemeld()).bouw(Path(sys.argv[2]), voortgang=False)
print("klaar", s.fragmenten, flush=True)
"""


def _drijver(index, bronnen, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", DRIJVER, str(index), str(bronnen), *extra], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def veel_bronnen(tmp_path):
    """Vijf bronnen van elk tientallen fragmenten, zodat er halverwege iets te onderbreken valt."""
    d = tmp_path / "bronnen"
    d.mkdir()
    shutil.copy(BRONNEN / "catalogus.toml", d / "catalogus.toml")
    tekst = (BRONNEN / SAMENVATTING).read_text(encoding="utf-8")
    shutil.copy(BRONNEN / SAMENVATTING, d / SAMENVATTING)
    for i in range(1, 4):
        (d / f"variant-{i}.txt").write_text(tekst.replace("Overvecht-Noord", f"Overvecht-Noord {i}"), encoding="utf-8")
    schrijf_pdf(d / "werkboek.pdf", TESTPAGINAS, voet=VOET)
    return d


def _inhoud(index: Index) -> list[tuple[str, str, str]]:
    r = index._collectie().get(include=["documents", "metadatas"])
    return sorted(zip(r["ids"], r["documents"], (m["bestand"] for m in r["metadatas"])))


def _vergelijk(half: Index, schoon: Index) -> None:
    a, b = _inhoud(half), _inhoud(schoon)
    teveel = sorted({x[0] for x in set(a) - set(b)})
    tekort = sorted({x[0] for x in set(b) - set(a)})
    if teveel:
        eerste = teveel[0]
        print("HERSTELD", [x for x in a if x[0] == eerste])
        print("SCHOON", [x for x in b if x[0] == eerste])
    assert (len(a), teveel[:5], tekort[:5]) == (len(b), [], []), "hersteld versus schone bouw"
    assert len({i for i, _, _ in a}) == len(a)


def _schoon(tmp_path, bronnen, naam: str) -> Index:
    index = Index(tmp_path / naam, NepEmbedding())
    index.bouw(bronnen, voortgang=False)
    return index


def _onderbreek(index_map, bronnen, rng: random.Random) -> int:
    """Start een indexering en SIGKILL hem na een willekeurig aantal batches (plus een willekeurig stukje)."""
    p = _drijver(index_map, bronnen)
    grens = rng.randint(1, 12)
    batches = 0
    for regel in p.stdout:
        if regel.startswith("batch"):
            batches += 1
            if batches >= grens:
                break
    assert batches >= grens, f"de indexering was klaar voor de onderbreking: {p.stderr.read()}"
    # Land anywhere: inside embedding, inside Chroma's add, or in between.
    rng_pauze = rng.uniform(0, 0.03)
    subprocess.run(["sleep", f"{rng_pauze:.3f}"])
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=30)
    assert p.returncode == -signal.SIGKILL
    return batches


@pytest.mark.parametrize("zaad", [1, 2, 3])
def test_gedood_tijdens_eerste_bouw(tmp_path, veel_bronnen, zaad):
    rng = random.Random(zaad)
    _onderbreek(tmp_path / "index", veel_bronnen, rng)
    half = Index(tmp_path / "index", NepEmbedding())
    assert half._collectie().metadata["bezig"] is True
    s = half.bouw(veel_bronnen, voortgang=False)
    assert half._collectie().metadata["bezig"] is False
    assert not s.mislukt
    _vergelijk(half, _schoon(tmp_path, veel_bronnen, "schoon"))
    assert all(r["volledig"] for r in half.bronnen())
    assert len(half.bronnen()) == 5
    # And the next run has nothing left to do.
    assert not half.bouw(veel_bronnen, voortgang=False).gewijzigd


@pytest.mark.parametrize("zaad", [4, 5])
def test_gedood_tijdens_vervangen(tmp_path, veel_bronnen, zaad):
    """Onderbroken tijdens het vervangen van gewijzigde bestanden: geen oude en nieuwe fragmenten door elkaar."""
    rng = random.Random(zaad)
    _schoon(tmp_path, veel_bronnen, "index")
    for i in range(1, 4):
        pad = veel_bronnen / f"variant-{i}.txt"
        pad.write_text(pad.read_text(encoding="utf-8").replace("kwetsbare wijken", "kwetsbare buurten"),
                       encoding="utf-8")
    (veel_bronnen / "werkboek.pdf").unlink()
    _onderbreek(tmp_path / "index", veel_bronnen, rng)
    half = Index(tmp_path / "index", NepEmbedding())
    half.bouw(veel_bronnen, voortgang=False)
    _vergelijk(half, _schoon(tmp_path, veel_bronnen, "schoon"))
    # Every chunk belongs to the current version of its file (the hash is part of the chunk id).
    for i, _, naam in _inhoud(half):
        assert i.split(":")[1] == bestandshash(veel_bronnen / naam)[:12], i
    teksten = "\n".join(t for _, t, b in _inhoud(half) if b.startswith("variant"))
    assert "kwetsbare buurten" in teksten


def test_twee_indexeringen_tegelijk(tmp_path, veel_bronnen):
    """Een tweede `assistent indexeer` terwijl de eerste loopt: weigert met een Nederlandse melding."""
    eerste = _drijver(tmp_path / "index", veel_bronnen, "--wacht")
    try:
        assert eerste.stdout.readline().startswith("batch")  # it holds the lock and is mid-embedding
        env = cli_omgeving(tmp_path / "index", veel_bronnen)
        r = assistent("indexeer", "--stil", env=env, cwd=tmp_path, timeout=120)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "Traceback" not in r.stderr
        assert f"Fout: Er loopt al een indexering op {tmp_path / 'index'} (proces {eerste.pid})" in r.stderr
        assert "Oplossing: Wacht tot die klaar is en probeer het dan opnieuw." in r.stderr
        # The same refusal in-process.
        with pytest.raises(IndexBezet):
            Index(tmp_path / "index", NepEmbedding()).bouw(veel_bronnen, voortgang=False)
        uit, _ = eerste.communicate(input="\n" * 1000, timeout=120)
        assert eerste.returncode == 0 and "klaar" in uit
    finally:
        if eerste.poll() is None:
            eerste.kill()
    # Once the first is done, the second goes ahead (and has nothing left to do).
    r = assistent("indexeer", "--stil", "--json", env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    assert '"nieuw": []' in r.stdout


def test_gedood_na_het_laatste_bestand_verhoogt_toch_de_generatie(tmp_path, veel_bronnen):
    """Alles geschreven maar de generatie nog niet verhoogd: de volgende run verhoogt hem alsnog, één keer."""
    index = _schoon(tmp_path, veel_bronnen, "index")
    generatie = index.generatie()
    Index._zet_meta(index._collectie(), bezig=True)  # the state a kill right before the bump leaves behind
    s = index.bouw(veel_bronnen, voortgang=False)
    assert not s.gewijzigd and index.generatie() == generatie + 1
    assert index.bouw(veel_bronnen, voortgang=False) and index.generatie() == generatie + 1
