"""Slechte bronbestanden: elk gemeld met naam en reden, overgeslagen; de rest van de index blijft bruikbaar."""

import json
import os
import shutil

import pytest

from assistent import bronnen as b
from assistent.backends.embedders import NepEmbedding
from assistent.fouten import BronFout
from assistent.index import Index
from conftest import BRONNEN, maak_instellingen
from hulp import TESTPAGINAS, VOET, assistent, cli_omgeving, schrijf_pdf, versleutel

SAMENVATTING = "samen-naar-een-duurzame-en-leefbare-wijk-samenvatting.txt"

# file name -> words that must appear in the reason
VERWACHT = {
    "beschadigd.pdf": "beschadigd",
    "afgekapt.pdf": "beschadigd",
    "versleuteld.pdf": "versleuteld",
    "leeg.pdf": "leeg bestand",
    "leeg.txt": "leeg bestand",
    "scan.pdf": "geen tekstlaag",
    "windows.txt": "UTF-8",
    "kopie-van-samenvatting.txt": f"zelfde inhoud als {SAMENVATTING}",
}


@pytest.fixture
def rommelmap(tmp_path):
    """De echte samenvatting, een goede PDF, en elk soort slecht bestand."""
    d = tmp_path / "bronnen"
    d.mkdir()
    shutil.copy(BRONNEN / SAMENVATTING, d / SAMENVATTING)
    shutil.copy(BRONNEN / b.CATALOGUS, d / b.CATALOGUS)
    goed = schrijf_pdf(d / "werkboek.pdf", TESTPAGINAS, voet=VOET)
    (d / "beschadigd.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(4000))
    (d / "afgekapt.pdf").write_bytes(goed.read_bytes()[: goed.stat().st_size // 2])
    versleutel(goed, d / "versleuteld.pdf")
    (d / "leeg.pdf").write_bytes(b"")
    (d / "leeg.txt").write_bytes(b"")
    schrijf_pdf(d / "scan.pdf", [[], []], alleen_afbeelding=True)
    (d / "windows.txt").write_bytes("Leefbaarheid in de wijk, geëvalueerd door het café.\n".encode("cp1252"))
    # Sorts before the original, but the catalogued original is the one kept.
    shutil.copy(d / SAMENVATTING, d / "kopie-van-samenvatting.txt")
    return d


def test_voorwaarden_van_de_testbestanden(rommelmap):
    """De slechte bestanden zijn echt wat ze zeggen te zijn."""
    from pypdf import PdfReader

    assert PdfReader(str(rommelmap / "versleuteld.pdf")).is_encrypted
    assert len(PdfReader(str(rommelmap / "scan.pdf")).pages) == 2
    with pytest.raises(UnicodeDecodeError):
        (rommelmap / "windows.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("naam", [n for n in VERWACHT if not n.startswith("kopie")])
def test_lezen_geeft_bronfout_met_oplossing(rommelmap, naam):
    bron = b.bron_voor(rommelmap / naam, {})
    with pytest.raises(BronFout) as e:
        b.lees_bron(bron)
    assert e.value.melding.startswith(naam + ":")
    assert VERWACHT[naam] in e.value.melding
    assert e.value.oplossing  # every reason comes with what to do about it


def test_index_slaat_slechte_bestanden_over_en_blijft_bruikbaar(tmp_path, rommelmap):
    meldingen: list[str] = []
    index = Index(tmp_path / "index", NepEmbedding())
    s = index.bouw(rommelmap, voortgang=False, melding=meldingen.append)
    assert set(s.mislukt) == set(VERWACHT)
    for naam, woord in VERWACHT.items():
        assert woord in s.mislukt[naam], (naam, s.mislukt[naam])
        assert any(m.startswith(f"Overgeslagen: {naam}:") for m in meldingen), naam
    assert sorted(s.nieuw) == sorted([SAMENVATTING, "werkboek.pdf"])
    bestanden = {n.metadata["bestand"] for n in index.alle_nodes()}
    assert bestanden == {SAMENVATTING, "werkboek.pdf"}
    assert {r["bestand"] for r in index.bronnen()} == bestanden

    # Searchable: the real service on this index finds both good sources.
    from assistent.dienst import Dienst

    d = Dienst(maak_instellingen(tmp_path / "index", bronnen=rommelmap, embedder="nep"))
    rij = d.zoek("Hoeveel inwoners heeft de wijk Overvecht-Noord?")
    assert any("Overvecht-Noord Utrecht 17.335" in p.tekst and p.pagina == 4 for p in rij)
    coaches = d.zoek("Wat doen de energiecoaches bij bewoners aan de deur?")
    assert any(p.document == "werkboek" for p in coaches)

    # A second run changes nothing and reports the same failures again.
    tweede = index.bouw(rommelmap, voortgang=False, melding=meldingen.append)
    assert not tweede.gewijzigd and set(tweede.mislukt) == set(VERWACHT)


def test_bestand_dat_slecht_wordt_verdwijnt_uit_de_index(tmp_path, rommelmap):
    """Een eerder goed bestand dat beschadigd raakt, laat geen verouderde fragmenten achter."""
    index = Index(tmp_path / "index", NepEmbedding())
    index.bouw(rommelmap, voortgang=False)
    (rommelmap / "werkboek.pdf").write_bytes(b"%PDF-1.4\nkapot")
    s = index.bouw(rommelmap, voortgang=False)
    assert "beschadigd" in s.mislukt["werkboek.pdf"] and s.verwijderd == ["werkboek.pdf"]
    assert {n.metadata["bestand"] for n in index.alle_nodes()} == {SAMENVATTING}


def test_duplicaat_van_een_al_geindexeerd_bestand(tmp_path):
    """Een kopie die vóór het al geïndexeerde origineel sorteert: het origineel blijft, zonder herindexering."""
    d = tmp_path / "bronnen"
    d.mkdir()
    shutil.copy(BRONNEN / SAMENVATTING, d / "z-samenvatting.txt")
    index = Index(tmp_path / "index", NepEmbedding())
    eerst = index.bouw(d, voortgang=False).fragmenten
    shutil.copy(d / "z-samenvatting.txt", d / "a-samenvatting.txt")
    s = index.bouw(d, voortgang=False)
    assert s.mislukt == {"a-samenvatting.txt": "zelfde inhoud als z-samenvatting.txt"}
    assert s.overgeslagen == ["z-samenvatting.txt"] and not s.gewijzigd
    assert len(index.alle_nodes()) == eerst
    assert {n.metadata["bestand"] for n in index.alle_nodes()} == {"z-samenvatting.txt"}
    # Once the original is gone the copy takes over, still without duplicates.
    (d / "z-samenvatting.txt").unlink()
    s = index.bouw(d, voortgang=False)
    assert s.nieuw == ["a-samenvatting.txt"] and s.verwijderd == ["z-samenvatting.txt"]
    assert {n.metadata["bestand"] for n in index.alle_nodes()} == {"a-samenvatting.txt"}
    assert len(index.alle_nodes()) == eerst


@pytest.mark.traag
def test_cli_meldt_mislukte_bestanden(tmp_path, rommelmap):
    env = cli_omgeving(tmp_path / "index", rommelmap)
    r = assistent("indexeer", "--stil", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    for naam in VERWACHT:
        assert f"mislukt: {naam}:" in r.stdout
        assert f"Overgeslagen: {naam}:" in r.stderr
    r = assistent("zoek", "--json", "Wat is de eerste aanbeveling?", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["passages"]


def test_alleen_slechte_bestanden(tmp_path):
    """Zonder één leesbare bron: een Nederlandse fout met wat te doen, geen lege index die 'werkt'."""
    d = tmp_path / "bronnen"
    d.mkdir()
    (d / "leeg.pdf").write_bytes(b"")
    env = cli_omgeving(tmp_path / "index", d)
    r = assistent("zoek", "--json", "Wat is de eerste aanbeveling?", env=env, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "Fout:" in r.stderr and "Oplossing:" in r.stderr
