"""Rooktest: de echte dienst beantwoordt een echte vraag met een geldig citaat."""


def test_overvecht_noord_uit_de_tabel(echte_dienst):
    a = echte_dienst.vraag("Hoeveel inwoners heeft de wijk Overvecht-Noord?")
    assert a.gevonden
    assert "17.335" in a.antwoord
    assert a.citaten[0].pagina == 4
    assert "Overvecht-Noord Utrecht 17.335" in a.citaten[0].tekst
