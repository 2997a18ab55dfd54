"""Rooktest: de echte dienst beantwoordt een echte vraag met een geldig citaat."""


def test_overvecht_noord_uit_de_tabel(echte_dienst):
    a = echte_dienst.vraag("Hoeveel inwoners heeft de wijk Overvecht-Noord?")
    assert a.gevonden
    assert "17.335" in a.antwoord
    assert a.citaten[0].pagina == 4
    assert "Overvecht-Noord Utrecht 17.335" in a.citaten[0].tekst


def test_aanbevelingen_voor_het_filter_komen_uit_de_index(echte_dienst):
    titels = echte_dienst.aanbevelingen()
    assert [nr for nr, _ in titels] == list(range(1, 8))
    assert titels[2] == (3, "Schep de randvoorwaarden voor effectieve integrale samenwerking")
