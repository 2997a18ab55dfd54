"""Steuncontrole (zuivere functies): één dragende zin, harde controles, en betekenis als die meegegeven wordt."""

from assistent import citaten as cit

PASSAGE = ("De deelnemende wijken hebben gemeen dat de warmtetransitie minder voorspoedig van de grond komt dan vooraf "
           "gedacht. Aan het experimentenprogramma namen in totaal achttien wijken deel. Eind 2018 ging het programma "
           "van start met vijftien deelnemende gemeenten. Het is belangrijk om bewoners vroeg te betrekken.")


def test_origineel_en_ingekorte_zin_worden_aanvaard():
    assert cit.steun("In totaal namen achttien wijken deel aan het experimentenprogramma.", PASSAGE).ok
    assert cit.steun("Eind 2018 ging het programma van start met vijftien gemeenten.", PASSAGE).ok


def test_getal_dat_bij_iets_anders_hoort():
    s = cit.steun("Het programma ging van start met achttien gemeenten.", PASSAGE)
    assert not s.ok and any("hoort in de passage bij iets anders" in r for r in s.redenen)


def test_omgedraaide_vergelijking_en_ontkennend_voorvoegsel():
    assert not cit.steun("De warmtetransitie komt sneller van de grond dan vooraf gedacht.", PASSAGE).ok
    assert not cit.steun("Het is onbelangrijk om bewoners vroeg te betrekken.", PASSAGE).ok


def test_woorden_verspreid_over_de_passage_dragen_geen_bewering():
    # Every word occurs somewhere in the passage, but no sentence says this.
    s = cit.steun("Vijftien bewoners namen de warmtetransitie in totaal voorspoedig deel.", PASSAGE)
    assert not s.ok


def test_betekenis_laat_een_echte_parafrase_toe_en_niet_zonder():
    zin = "Het verduurzamen van de warmte verloopt in de wijken trager dan vooraf gedacht."
    zinnen = [[PASSAGE.split(". ")[0] + ".", "Aan het experimentenprogramma namen in totaal achttien wijken deel.",
               "Eind 2018 ging het programma van start met vijftien deelnemende gemeenten.",
               "Het is belangrijk om bewoners vroeg te betrekken."]]
    assert not cit.steun(zin, PASSAGE, zinnen=zinnen).ok
    assert cit.steun(zin, PASSAGE, gelijkenis=[0.8, 0.0, 0.0, 0.1], zinnen=zinnen).ok
    # Meaning alone never overrules a number that is not there.
    assert not cit.steun("Sinds 2015 verloopt het verduurzamen trager dan gedacht.", PASSAGE,
                         gelijkenis=[0.9, 0.0, 0.0, 0.1], zinnen=zinnen).ok


def test_engelse_bewering_alleen_met_betekenis_en_harde_controles():
    zinnen = [["Aan het experimentenprogramma namen in totaal achttien wijken deel."]]
    passage = zinnen[0][0]
    assert not cit.steun("Eighteen neighbourhoods took part in the programme.", passage, zinnen=zinnen).ok
    assert cit.steun("Eighteen neighbourhoods took part in the programme.", passage, gelijkenis=[0.6], zinnen=zinnen).ok
    assert not cit.steun("Twenty neighbourhoods took part in the programme.", passage, gelijkenis=[0.6], zinnen=zinnen).ok
