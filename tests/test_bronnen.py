"""Inname met echte componenten: pypdf op zelfgemaakte PDF's en de echte samenvatting."""

import re
import statistics

import pytest

from assistent import bronnen as b
from conftest import BRONNEN
from hulp import TESTPAGINAS, VOET, schrijf_pdf

SAMENVATTING = BRONNEN / "samen-naar-een-duurzame-en-leefbare-wijk-samenvatting.txt"
KOPREGEL = "Samen naar een duurzame en leefbare wijk / Samenvatting"


def _norm(tekst: str) -> str:
    return re.sub(r"\s+", " ", tekst).strip()


def _lees(pad, catalogus=None):
    bron = b.bron_voor(pad, catalogus if catalogus is not None else b.lees_catalogus(pad.parent))
    bron.hash = b.bestandshash(pad)
    return b.lees_bron(bron)


@pytest.fixture(scope="module")
def samenvatting():
    return _lees(SAMENVATTING)


@pytest.fixture
def test_pdf(tmp_path):
    return schrijf_pdf(tmp_path / "werkboek.pdf", TESTPAGINAS, voet=VOET, kop="Werkboek wijkaanpak")


# ---------- PDF: reading and cleaning ----------


def test_pdf_ruw_bevat_afbreking_en_voetregel(test_pdf):
    """Voorwaarde: pypdf levert echt de afgebroken regels en de lopende kop en voet; anders test de rest niets."""
    ruw = b.lees_paginas(test_pdf)
    assert len(ruw) == 3
    assert "leefbaar-\nheid" in ruw[0]
    assert all(VOET in p and "Werkboek wijkaanpak" in p for p in ruw)


def test_pdf_opgeschoond(test_pdf):
    g = _lees(test_pdf, {})
    alles = "\n".join(g.paginas)
    assert "leefbaarheid van de buurt" in g.paginas[0]
    assert "bewoners zelf de eerste stap" in g.paginas[0]
    assert "huishoudens met een laag inkomen" in g.paginas[1]
    # Real hyphens survive.
    assert "Zandweerd-Noord" in alles
    assert "energie- en duurzaamheidsspecialisten" in alles
    # Running header and footer (with page number) are gone from pages and chunks.
    for tekst in g.paginas + [n.text for n in g.fragmenten]:
        assert VOET not in tekst
        assert "Werkboek wijkaanpak" not in tekst
    # Wrapped lines are joined into one paragraph line.
    assert "gemeente trekken samen op met de wijkteams" in g.paginas[0]
    assert "leefbaar-" not in alles and "bewo-" not in alles


def test_pdf_paginas_en_secties(test_pdf):
    g = _lees(test_pdf, {})
    per_sectie = {n.metadata["sectie"]: n.metadata for n in g.fragmenten}
    assert per_sectie["Wijkaanpak in Deventer"]["pagina"] == 1
    assert per_sectie["Energiecoaches aan de deur"]["pagina"] == 2
    assert per_sectie["Lessen voor andere gemeenten"]["pagina"] == 3
    for n in g.fragmenten:
        m = n.metadata
        assert _norm(g.paginas[m["pagina"] - 1][m["begin"]:m["eind"]]) == _norm(n.text)


def test_afbreking_regels():
    """Afbreken aan het regeleinde versus echte koppeltekens, regel voor regel."""
    paginas = ["Over de leefbaar-\nheid en sociaal-\nmaatschappelijke vragen in Zandweerd-\nNoord, met energie-\n"
               "en duurzaamheidsspecialisten en huis-\nhoudens."]
    regels = b._ontafbreken(b._regels(paginas, ""))
    tekst = " ".join(r.tekst.strip() for r in regels)
    assert "leefbaarheid" in tekst
    assert "sociaal-maatschappelijke" in tekst
    assert "Zandweerd-Noord" in tekst
    assert "energie- en duurzaamheidsspecialisten" in tekst
    assert "huishoudens" in tekst


def test_markdown_koppen_worden_secties(tmp_path):
    pad = tmp_path / "notitie.md"
    pad.write_text("# Warmtenet in Selwerd\n\nDe gemeente Groningen legt een warmtenet aan in Selwerd. " * 1
                   + "Bewoners praten mee over de route en de kosten. " * 10
                   + "\n\n## Kosten voor huurders\n\nDe corporatie houdt de woonlasten gelijk. " + "Huurders betalen niet meer. " * 12,
                   encoding="utf-8")
    g = _lees(pad, {})
    secties = [n.metadata["sectie"] for n in g.fragmenten]
    assert secties == ["Warmtenet in Selwerd", "Kosten voor huurders"]
    assert all("#" not in n.text for n in g.fragmenten)


# ---------- the real summary ----------


def test_kop_en_voet_van_de_samenvatting_weg(samenvatting):
    assert KOPREGEL in SAMENVATTING.read_text(encoding="utf-8")  # precondition: the source carries it
    for n in samenvatting.fragmenten:
        assert KOPREGEL not in n.text
        assert "/ Samenvatting" not in n.text
    assert not any("/ Samenvatting" in p for p in samenvatting.paginas)
    # The bullet that shared a line with the running header is kept.
    assert any("Geef medewerkers handelings- en experimenteerruimte" in n.text for n in samenvatting.fragmenten)


def test_samenvatting_koppeltekens(samenvatting):
    alles = "\n".join(samenvatting.paginas)
    assert "de leefbaarheid in kwetsbare wijken te verbeteren" in samenvatting.paginas[0]
    assert "de energie- en duurzaamheidsspecialisten" in alles
    assert "Zandweerd-Noord en -Zuid" in samenvatting.paginas[3]
    assert "sociaal-maatschappelijke vraagstukken" in alles
    assert "leefbaar-" not in alles


def _tekstfragmenten(g):
    return [n for n in g.fragmenten if n.metadata["soort"] in {"tekst", "aanbeveling"}]


def test_fragmentgroottes(samenvatting):
    """Gemeten op de samenvatting: 60–200 woorden; kleiner alleen als de hele sectie kleiner is."""
    fragmenten = _tekstfragmenten(samenvatting)
    woorden = [len(n.text.split()) for n in fragmenten]
    per_sectie: dict[str, int] = {}
    for n in fragmenten:
        per_sectie[n.metadata["sectie"]] = per_sectie.get(n.metadata["sectie"], 0) + 1
    print(f"\nfragmenten: {len(woorden)}, woorden min {min(woorden)} mediaan {statistics.median(woorden)} "
          f"max {max(woorden)}")
    assert max(woorden) <= b.MAX_WOORDEN
    for n, w in zip(fragmenten, woorden):
        if w < b.MIN_WOORDEN:
            assert per_sectie[n.metadata["sectie"]] == 1, (n.metadata["sectie"], w)
    assert 90 <= statistics.median(woorden) <= 160
    assert 25 <= len(fragmenten) <= 60


def _koppen(g) -> list[tuple[int, int, str]]:
    """(pagina, offset, sectie) van elke kopregel in de opgeschoonde paginatekst."""
    namen = {n.metadata["sectie"] for n in _tekstfragmenten(g)}
    titels = {f"{n.metadata['aanbeveling']}. {n.metadata['aanbeveling_titel']}": n.metadata["sectie"]
              for n in g.fragmenten if n.metadata["aanbeveling"]}
    koppen = []
    for nr, tekst in enumerate(g.paginas, start=1):
        offset = 0
        for regel in tekst.split("\n"):
            if regel in namen:
                koppen.append((nr, offset, regel))
            elif regel in titels:
                koppen.append((nr, offset, titels[regel]))
            offset += len(regel) + 1
    return koppen


def test_fragmenten_kruisen_geen_sectie(samenvatting):
    koppen = _koppen(samenvatting)
    assert len(koppen) >= 20
    for n in _tekstfragmenten(samenvatting):
        m = n.metadata
        begin, eind = (m["pagina"], m["begin"]), (m["pagina_eind"], m["eind"])
        # The section in force at the chunk's start is the chunk's own section ...
        ervoor = [k for k in koppen if (k[0], k[1]) <= begin]
        assert ervoor and ervoor[-1][2] == m["sectie"], (m["volgnr"], m["sectie"])
        # ... and no other heading starts inside the chunk.
        binnen = [k for k in koppen if begin < (k[0], k[1]) < eind and k[2] != m["sectie"]]
        assert not binnen, (m["volgnr"], binnen)


def test_offsets_wijzen_de_tekst_aan(samenvatting):
    p = samenvatting.paginas
    for n in samenvatting.fragmenten:
        m = n.metadata
        if m["soort"] == "tabel":
            continue
        if m["soort"] == "tabelrij":
            assert p[m["pagina"] - 1][m["begin"]:m["eind"]] == n.text.split("\n")[-1]
        elif m["pagina"] == m["pagina_eind"]:
            assert _norm(p[m["pagina"] - 1][m["begin"]:m["eind"]]) == _norm(n.text), m["volgnr"]
        else:
            assert m["pagina_eind"] == m["pagina"] + 1
            assert _norm(n.text).startswith(_norm(p[m["pagina"] - 1][m["begin"]:]))
            assert _norm(n.text).endswith(_norm(p[m["pagina_eind"] - 1][:m["eind"]]))


AANBEVELINGEN = {
    1: "Durf te experimenteren",
    2: "Ontwikkel een gemeenschappelijk perspectief",
    3: "Schep de randvoorwaarden voor effectieve integrale samenwerking",
    4: "Zorg voor de juiste veldbezetting",
    5: "Investeer in vertrouwen en eigenaarschap van bewoners",
    6: "Schakel tussen schaalniveaus",
    7: "Hanteer een lerende werkwijze",
}


def test_zeven_aanbevelingen(samenvatting):
    met = [n for n in samenvatting.fragmenten if n.metadata["aanbeveling"]]
    titels = {n.metadata["aanbeveling"]: n.metadata["aanbeveling_titel"] for n in met}
    assert titels == AANBEVELINGEN
    for n in met:
        nr = n.metadata["aanbeveling"]
        assert n.metadata["soort"] == "aanbeveling"
        assert n.text.startswith(f"{nr}. {AANBEVELINGEN[nr]}")
        assert n.metadata["sectie"] == f"Aanbeveling {nr}: {AANBEVELINGEN[nr]}"
    vier = "\n".join(n.text for n in met if n.metadata["aanbeveling"] == 4)
    for punt in ("– Geef medewerkers handelings- en experimenteerruimte.",
                 "– Zorg voor passende competenties in elke fase van het proces.",
                 "– Borg kennis en netwerken binnen de gemeentelijke organisatie.",
                 "– Houd directie en management aangesloten."):
        assert punt in vier


def test_elk_fragment_binnen_een_aanbeveling_draagt_het_nummer(samenvatting):
    koppen = [(n.metadata["pagina"], n.metadata["begin"], n.metadata["aanbeveling"])
              for n in samenvatting.fragmenten if n.metadata["aanbeveling"]]
    starts = sorted({k for k in koppen if k[2]}, key=lambda k: k[2])
    eerste = min((k[0], k[1]) for k in starts)
    for n in _tekstfragmenten(samenvatting):
        m = n.metadata
        plek = (m["pagina"], m["begin"])
        if plek < eerste:
            assert m["aanbeveling"] == 0, m["volgnr"]
            continue
        verwacht = max(k[2] for k in starts if (k[0], k[1]) <= plek)
        assert m["aanbeveling"] == verwacht, (m["volgnr"], m["aanbeveling"], verwacht)


def test_tabel_van_achttien_wijken(samenvatting):
    rijen = [n.metadata for n in samenvatting.fragmenten if n.metadata["soort"] == "tabelrij"]
    assert len(rijen) == 18
    per_wijk = {m["wijk"]: (m["gemeente"], m["inwoners"]) for m in rijen}
    assert len(per_wijk) == 18
    assert per_wijk["Nieuwborgen"] == ("Oldambt en Delfzijl", 2825)
    assert per_wijk["Laak"] == ("Den Haag", 40795)
    assert per_wijk["Zandweerd-Noord en -Zuid"] == ("Deventer", 4535)
    assert per_wijk["Overvecht-Noord"] == ("Utrecht", 17335)
    assert per_wijk["Abdij- en Torenbuurt"] == ("Tilburg", 1590)
    assert per_wijk["Nieuw Overdie"] == ("Alkmaar", 4300)
    assert all(m["pagina"] == 4 and m["inwoners"] > 0 for m in rijen)
    # The whole table is one passage as well.
    tabel = [n for n in samenvatting.fragmenten if n.metadata["soort"] == "tabel"]
    assert len(tabel) == 1 and tabel[0].text.count("\n") == 18


@pytest.mark.parametrize("rij, verwacht", [
    ("Nieuwborgen Oldambt en Delfzijl 2.825", ("Nieuwborgen", "Oldambt en Delfzijl", "2.825")),
    ("Laak Den Haag 40.795", ("Laak", "Den Haag", "40.795")),
    ("Zandweerd-Noord en -Zuid Deventer 4.535", ("Zandweerd-Noord en -Zuid", "Deventer", "4.535")),
    ("Crabbehof Dordrecht 7420", ("Crabbehof", "Dordrecht", "7420")),
    ("Alleen tekst zonder getal", None),
])
def test_splits_tabelrij(rij, verwacht):
    assert b.splits_tabelrij(rij) == verwacht


def test_catalogus_en_afgeleide_titel(tmp_path):
    cat = b.lees_catalogus(BRONNEN)
    bron = b.bron_voor(SAMENVATTING, cat)
    assert bron.id == "samenvatting-2022" and bron.in_catalogus and bron.jaar == 2022
    los = b.bron_voor(tmp_path / "energie_armoede-in-Emmen.pdf", cat)
    assert not los.in_catalogus
    assert los.titel == "Energie armoede in emmen"
    assert los.id == "energie-armoede-in-emmen"


def test_ongeldige_catalogus_valt_terug(tmp_path, caplog):
    (tmp_path / b.CATALOGUS).write_text("[kapot\n", encoding="utf-8")
    assert b.lees_catalogus(tmp_path) == {}
    assert "Herstel de TOML-syntax" in caplog.text
