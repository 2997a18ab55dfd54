"""Antwoorden over de echte bronnen: tabel als gegevens, aanbevelingen op nummer, gedeeltelijk beantwoordbaar, Engels."""

import re

from assistent import citaten as cit


def _rijen(a) -> list[str]:
    return [c.tekst.split("\n")[-1] for c in a.citaten]


def test_tabel_grootste_en_kleinste(echte_dienst):
    a = echte_dienst.vraag("Welke deelnemende wijk is het kleinst qua inwoners?")
    assert a.gevonden and "Gillisbuurt" in a.antwoord and _rijen(a) == ["Gillisbuurt Delft 1.531"]
    a = echte_dienst.vraag("Wat is de op één na grootste deelnemende wijk?")
    assert "Overvecht-Noord" in a.antwoord and _rijen(a) == ["Overvecht-Noord Utrecht 17.335"]


def test_tabel_drempel_citeert_precies_de_gebruikte_rijen(echte_dienst):
    a = echte_dienst.vraag("Welke wijken hebben meer dan 15.000 inwoners?")
    assert a.gevonden and a.antwoord.startswith("3 van de 18")
    assert sorted(_rijen(a)) == ["Laak Den Haag 40.795", "Meerzicht Zoetermeer 15.239", "Overvecht-Noord Utrecht 17.335"]


def test_tabel_vergelijking_van_twee_wijken(echte_dienst):
    a = echte_dienst.vraag("Is Selwerd groter dan Crabbehof?")
    assert "6.231" in a.antwoord and "7.420" in a.antwoord
    assert "Crabbehof heeft dus meer inwoners dan Selwerd" in a.antwoord and len(a.citaten) == 2


def test_engelse_vraag_over_de_tabel(echte_dienst):
    a = echte_dienst.vraag("Which neighbourhood did Amsterdam take part with?")
    assert a.gevonden and "Wildemanbuurt" in a.antwoord and a.antwoord.startswith("According to")


def test_naam_met_een_vraag_die_de_bronnen_niet_beantwoorden(echte_dienst):
    for vraag in ("Welke rol speelt de woningcorporatie in Pendrecht?", "Wie was de projectleider in Selwerd?"):
        a = echte_dienst.vraag(vraag)
        assert not a.gevonden and not a.citaten, vraag
        assert "niet in de publicaties" in a.antwoord
        # What the sources do hold about the place is offered as further reading.
        assert a.verder_lezen and a.verder_lezen[0].sectie


def test_tabel_bereik_met_duizendtallen_in_punten(echte_dienst):
    a = echte_dienst.vraag("Hoeveel deelnemende wijken tellen tussen de 7.000 en 10.000 inwoners?")
    assert a.gevonden and a.antwoord.startswith("3 van de 18")
    inwoners = [int(r.split()[-1].replace(".", "")) for r in _rijen(a)]
    assert len(inwoners) == 3 and all(7000 <= n <= 10000 for n in inwoners)


def test_waarom_over_een_plaats_is_geen_tabelvraag_en_de_melding_klopt(echte_dienst):
    a = echte_dienst.vraag("Waarom deed Delft later mee?")
    # The table gives figures, not reasons; the sources name Delft in the text too, so 'only in the table' is wrong.
    assert not a.gevonden and "niet in de publicaties" in a.antwoord and "alleen" not in a.antwoord
    assert any("Delft" in c.tekst and "Wijk Gemeente" not in c.tekst for c in a.verder_lezen)
    a = echte_dienst.vraag("Wie was de projectleider in Selwerd?")
    assert "alleen in voor in het overzicht" in a.antwoord  # Selwerd is named nowhere else


def test_vraag_over_alleen_een_naam_geeft_rij_en_tekst(echte_dienst):
    a = echte_dienst.vraag("Wat weet je over Delft?")
    assert a.gevonden and "1.531" in a.antwoord and "stroomden in de loop van het programma in" in a.antwoord
    assert len(a.citaten) == 2 and all(cit.markers(a.antwoord))


def test_bronverwijzing_kiest_geen_zin(echte_dienst):
    from assistent.antwoord import Extractief
    zinnen = {}
    for vraag in ("Wat zegt het rapport over de vooruitgang?", "Wat zegt men over de vooruitgang?"):
        v = echte_dienst.analyseer(vraag)
        r = echte_dienst.zoeker.zoek(v.tekst, k=6, taalcode="nl")
        zinnen[vraag] = {k.zin: k.lexicaal for k in Extractief().kandidaten(v, r)}
    a, b = zinnen.values()
    # 'rapport' names the source: a sentence that happens to say 'rapport' covers no more of the question.
    assert all(a[z] == b[z] for z in a.keys() & b.keys()) and a.keys() & b.keys()


def test_aanbeveling_op_rangtelwoord(echte_dienst):
    a = echte_dienst.vraag("Wat is de tweede aanbeveling?")
    assert a.antwoord.startswith("Aanbeveling 2:") and a.citaten[0].aanbeveling == 2
    a = echte_dienst.vraag("What does the fourth recommendation say?")
    assert "Aanbeveling 4:" in a.antwoord and a.citaten[0].aanbeveling == 4
    assert not echte_dienst.vraag("Wat is de achtste aanbeveling?").gevonden
    # Counted from the end of what the index holds, and 'tip' is a recommendation too.
    for vraag in ("Wat is de voorlaatste aanbeveling?", "Wat is de op één na laatste aanbeveling?"):
        assert echte_dienst.vraag(vraag).antwoord.startswith("Aanbeveling 6:"), vraag
    assert echte_dienst.vraag("Geef de zesde tip uit de publicatie").antwoord.startswith("Aanbeveling 6:")


def test_een_punt_binnen_een_aanbeveling_geeft_precies_dat_punt(echte_dienst):
    a = echte_dienst.vraag("Wat is het laatste punt van aanbeveling 3?")
    assert a.gevonden and a.antwoord.endswith("– Positioneer de gemeenteraad [1].") and a.citaten[0].aanbeveling == 3
    assert a.antwoord.count("– ") == 1
    a = echte_dienst.vraag("Welke aanbeveling is nummer zes, en wat is daarvan het tweede punt?")
    assert "Schakel tussen schaalniveaus" in a.antwoord and "Faseer planvorming in deelgebieden" in a.antwoord
    a = echte_dienst.vraag("Wat is het negende punt bij aanbeveling 1?")
    assert not a.gevonden and "punt 9 is er niet" in a.antwoord


def test_vraag_over_een_detail_van_de_aanbevelingen_geeft_niet_de_lijst(echte_dienst):
    a = echte_dienst.vraag("Wat zeggen de aanbevelingen over de rol van de gemeenteraad?")
    assert a.gevonden and "gemeenteraad" in a.antwoord.lower()
    assert "Durf te experimenteren" not in a.antwoord


def test_bedragvraag_zonder_bedrag_in_de_bronnen_wordt_geweigerd(echte_dienst):
    assert not echte_dienst.vraag("Hoeveel heeft het experimentenprogramma gekost?").gevonden
    # A question about prices that is not about an amount is answered.
    a = echte_dienst.vraag("Maken bewoners zich meer zorgen over de prijs van energie dan over het klimaat?")
    assert a.gevonden and "energierekening" in a.antwoord


def test_parafrase_krijgt_het_feit(echte_dienst):
    a = echte_dienst.vraag("Hoe lang heeft het programma geduurd?")
    assert a.gevonden and re.search(r"\bdrie jaar\b|2018", a.antwoord, re.I)


def test_tweeledige_vraag_beantwoordt_beide_delen(echte_dienst):
    a = echte_dienst.vraag("Met hoeveel gemeenten begon het programma en welke gemeente stopte voortijdig?")
    assert a.gevonden and "vijftien" in a.antwoord and "Leiden" in a.antwoord
    # A sentence that answers both parts is said once.
    zinnen = [cit.zonder_markers(z.tekst) for z in cit.splits_antwoord(a.antwoord)]
    assert len(zinnen) == len(set(zinnen)), a.antwoord


def test_elke_zin_van_een_extractief_antwoord_is_gedragen(echte_dienst):
    for vraag in ("Wat zijn koppelkansen?", "Hoe betrek je moeilijk bereikbare bewoners?", "Welke wijken hebben minder dan 3.000 inwoners?"):
        a = echte_dienst.vraag(vraag)
        for z in cit.splits_antwoord(a.antwoord):
            if z.tekst.endswith(":") and not z.markers:
                continue
            assert z.markers, (vraag, z.tekst)
            assert cit.steun(z.tekst, [c.tekst for c in a.citaten if c.nr in z.markers]).ok, (vraag, z.tekst)


def test_tabel_vergelijking_met_een_genoemde_wijk_als_grens(echte_dienst):
    a = echte_dienst.vraag("Welke wijken zijn kleiner dan Nijverheid?")
    assert a.antwoord.startswith("6 van de 18") and "Nijverheid Hengelo 4.305" not in _rijen(a)
    assert "Gillisbuurt Delft 1.531" in _rijen(a)


def test_aanbeveling_met_een_telwoord(echte_dienst):
    a = echte_dienst.vraag("Noem de punten bij aanbeveling vijf")
    assert a.antwoord.startswith("Aanbeveling 5:") and "Maak participatie belangrijk" in a.antwoord


def test_waarom_vraag_krijgt_de_zin_die_de_reden_geeft(echte_dienst):
    a = echte_dienst.vraag("Waarom was er in het programma zoveel aandacht voor het vroeg benaderen van bewoners?")
    # The best sentence names the topic; the reason ('Want …') is the sentence after it.
    assert a.gevonden and "moeilijk om bewoners te bereiken" in a.antwoord


def test_engelse_vraag_rangschikt_op_betekenis_ook_onder_het_nederlandse_niveau(echte_dienst):
    vraag = "Why is it hard for municipalities to keep residents involved?"
    r = echte_dienst.zoeker.zoek(vraag, k=6)
    # Cross-lingual cosines sit below the Dutch 'unrelated' level; they must still order the passages, not tie.
    scores = [t.score for t in r.treffers]
    assert len(set(scores)) == len(scores) and scores == sorted(scores, reverse=True)
    a = echte_dienst.vraag(vraag)
    assert a.gevonden and "moeilijk om bewoners te bereiken" in a.antwoord


def test_engelse_vraag_kiest_de_zin_met_de_vertaling_van_zijn_woorden(echte_dienst):
    # The index's own words, found by meaning: no glossary. An unrelated English word gets no translation.
    vertaald = echte_dienst.zoeker.vertaal(["trust", "health", "football"])
    assert "vertrouwen" in vertaald and "gezondheid" in vertaald and len(vertaald) == 2
    a = echte_dienst.vraag("What happened to residents' trust when they were involved late?")
    assert a.gevonden and "negatieve gevolgen voor het vertrouwen" in a.antwoord


def test_een_aankondiging_van_een_lijst_zonder_lijst_eindigt_met_een_punt(echte_dienst):
    a = echte_dienst.vraag("Hoeveel aanbevelingen krijgen gemeenten mee?")
    assert a.gevonden and "zeven" in a.antwoord
    regels = a.antwoord.split("\n")
    # A line that announces a list (':') is followed by list items; otherwise it ends as a sentence.
    for i, regel in enumerate(regels):
        if regel.rstrip().endswith(":"):
            assert i + 1 < len(regels) and re.match(r"^(?:[-–•]|\d+\.)\s", regels[i + 1]), a.antwoord


def test_open_vraag_krijgt_ook_de_zin_die_de_gedachte_uitwerkt(echte_dienst):
    a = echte_dienst.vraag("Wat frustreerde de deelnemers?")
    # The topic sentence says they were frustrated; what frustrated them is the sentence after it, same passage.
    assert a.gevonden and "frustratie" in a.antwoord and "Vastgeroeste gewoonten" in a.antwoord
    assert len(a.citaten) == 1
    # A question after a fact stays short: the number, not the thought around it.
    a = echte_dienst.vraag("Met hoeveel gemeenten begon het programma?")
    assert a.gevonden and "vijftien" in a.antwoord and len(cit.splits_antwoord(a.antwoord)) <= 2


def test_open_vraag_uit_een_passage_citeert_ook_een_tweede_plek_die_bijna_even_goed_past(echte_dienst):
    a = echte_dienst.vraag("Wat bedoelen ze met vooruitgang onder de radar?")
    # The conclusions (p. 5) discuss it; the introduction (p. 1) states it in so many words and scores nearly as well.
    assert a.gevonden and "Onder de radar is echter veel vooruitgang" in a.antwoord
    assert len({c.id for c in a.citaten}) == 2 and {c.pagina for c in a.citaten} == {1, 5}


def test_de_tweede_plek_brengt_geen_zin_die_op_een_ontbrekende_zin_leunt(echte_dienst):
    a = echte_dienst.vraag("Are the successful examples of linking tasks followed by other municipalities?")
    assert a.gevonden and "navolging" in a.antwoord
    # 'Want er is nieuwe kennis …' alone, from another passage, explains a sentence the answer does not hold.
    zinnen = [cit.zonder_markers(z.tekst).strip() for z in cit.splits_antwoord(a.antwoord)]
    assert not any(re.match(r"(Want|Bijvoorbeeld|Zoals)\b", z) for z in zinnen), a.antwoord


def test_een_getal_uit_twee_passages_noemt_eerst_de_zin_waarop_het_antwoord_rust(echte_dienst):
    a = echte_dienst.vraag("Met hoeveel gemeenten begon het experiment eind 2018?")
    # In text order the introduction ('achttien gemeenten vanaf eind 2018') would come first and mislead.
    assert a.gevonden and a.antwoord.startswith("Eind 2018 ging het programma van start met vijftien"), a.antwoord
    assert a.citaten[0].pagina == 4


def test_hoeveel_vraag_kiest_de_zin_die_telt_wat_gevraagd_wordt(echte_dienst):
    a = echte_dienst.vraag("Hoeveel wijken deden mee?")
    # 'Drie gemeenten … stroomden in' holds numbers too, but counts municipalities, not neighbourhoods.
    assert a.gevonden and "achttien wijken" in a.antwoord


def test_hoeveel_vraag_naar_iets_wat_de_tabel_niet_telt_krijgt_geen_inwonertal(echte_dienst):
    for vraag in ("Hoeveel woningen telt Selwerd?", "How many houses are there in Selwerd?"):
        a = echte_dienst.vraag(vraag)
        assert not a.gevonden and not a.citaten and "Selwerd" in a.antwoord, vraag
        assert any("Selwerd" in c.tekst for c in a.verder_lezen), vraag
    a = echte_dienst.vraag("Hoeveel mensen wonen er in Selwerd?")
    assert a.gevonden and "6.231" in a.antwoord


def test_vraag_naar_een_persoon_in_een_rol_die_de_bronnen_niet_noemen_wordt_geweigerd(echte_dienst):
    for vraag in ("Wie is de directeur van Nyenrode?", "Welke wethouder trok de kar in de wijkaanpak?"):
        a = echte_dienst.vraag(vraag)
        assert not a.gevonden and not a.citaten, vraag
    # A role the sources do name is answered, and a role as subject of the question is no request for a person.
    a = echte_dienst.vraag("Welke hoogleraar wordt aangehaald over transities?")
    assert a.gevonden and "Rotmans" in a.antwoord
    assert echte_dienst.vraag("Hoe verklaren de onderzoekers de moeizame start?").gevonden
    # English role words never occur in the Dutch sources: they must not veto an English question.
    a = echte_dienst.vraag("Which professor is quoted about transitions?")
    assert a.gevonden and "Rotmans" in a.antwoord


def test_tabel_na_een_genoemde_wijk_en_een_wijk_van_twee_gemeenten(echte_dienst):
    a = echte_dienst.vraag("Welke wijk is de grootste na Laak?")
    assert _rijen(a) == ["Overvecht-Noord Utrecht 17.335"]
    a = echte_dienst.vraag("Which neighbourhood is the smallest after Gillisbuurt?")
    assert "Abdij- en Torenbuurt" in a.antwoord and len(a.citaten) == 1
    a = echte_dienst.vraag("Welke wijk deed namens twee gemeenten mee?")
    assert a.gevonden and "Nieuwborgen" in a.antwoord and len(a.citaten) == 1


def test_overtreffende_trap_over_iets_anders_dan_de_tabel_geeft_geen_tabelrij(echte_dienst):
    a = echte_dienst.vraag("Wat is de grootste uitdaging voor gemeenten?")
    assert "Laak" not in a.antwoord and not any(c.tekst.startswith("Laak") for c in a.citaten)
    # Words the table vocabulary lacks do not stop a superlative the search answers with the table.
    a = echte_dienst.vraag("Wat is de kleinste wijk die meedeed, gemeten naar inwoners?")
    assert _rijen(a) == ["Gillisbuurt Delft 1.531"]


def test_een_zin_met_een_voetnootteken_neemt_de_voetnoot_mee(echte_dienst):
    a = echte_dienst.vraag("In welk boek schreef Rotmans over transities?")
    # '… nieuwe werkwijzen omarmen.1' refers to footnote 1, which names the book.
    assert a.gevonden and "Omarm de chaos" in a.antwoord and "Verheijden" in a.antwoord
    for z in cit.splits_antwoord(a.antwoord):
        assert z.markers and cit.steun(z.tekst, [c.tekst for c in a.citaten if c.nr in z.markers]).ok, z.tekst


def test_wanneer_vraag_krijgt_de_zin_met_de_datum(echte_dienst):
    # 'bij de start wisten we …' names the start; the answer to 'wanneer' is the sentence with the date.
    a = echte_dienst.vraag("Wanneer is het experimentenprogramma van start gegaan?")
    assert a.gevonden and "2018" in a.antwoord


def test_een_leunende_zin_in_een_open_antwoord_krijgt_de_zin_ervoor(echte_dienst):
    a = echte_dienst.vraag("Wat was de reden dat gemeenten zich vooral op aardgasvrij richtten?")
    # 'Want nagenoeg overal lag de focus …' continues the sentence before it, which comes first.
    assert a.gevonden and "beleidsdruk" in a.antwoord
    zinnen = [cit.zonder_markers(z.tekst) for z in cit.splits_antwoord(a.antwoord)]
    i = next(i for i, z in enumerate(zinnen) if z.startswith("Want nagenoeg"))
    assert i > 0 and "smaller perspectief" in zinnen[i - 1]
    # 'Waar lag de focus?' asks for a thought, not a place: the same open answer.
    a = echte_dienst.vraag("Waar lag bij de gemeenten vooral de focus?")
    assert "smaller perspectief" in a.antwoord and "aardgasvrij" in a.antwoord


def test_volgens_de_publicatie_trekt_het_antwoord_niet_naar_zinnen_over_publicaties(echte_dienst):
    # 'volgens de publicatie' names the source; the subject is what residents care about.
    a = echte_dienst.vraag("Wat vinden bewoners volgens de publicatie belangrijker dan het klimaat?")
    assert a.gevonden and "energierekening" in a.antwoord
    a = echte_dienst.vraag("What does the report say about how residents were involved?")
    assert a.gevonden and "In de publicatie" not in a.antwoord and "bewoners" in a.antwoord.lower()


def test_hoeveel_vraag_zonder_enig_aantal_in_de_bronzinnen_wordt_geweigerd(echte_dienst):
    # A sentence about sounding boards gives no number of residents: it does not answer 'hoeveel bewoners'.
    a = echte_dienst.vraag("Hoeveel bewoners deden actief mee in de klankbordgroepen?")
    assert not a.gevonden
    # A count the sources do give, also as a vague quantity, is still answered.
    assert "achttien" in echte_dienst.vraag("Hoeveel wijken deden mee?").antwoord
    assert "enkele" in echte_dienst.vraag("Bij hoeveel wijken bleef het kernteam intact?").antwoord


def test_een_open_antwoord_neemt_de_zin_ervoor_mee_als_die_bijna_even_goed_past(echte_dienst):
    # '… in een dergelijke groep' needs the sentence before it, which names the group and scores nearly as well.
    a = echte_dienst.vraag("Wat valt op aan de participatie van bewoners in de wijken?")
    zinnen = [cit.zonder_markers(z.tekst) for z in cit.splits_antwoord(a.antwoord)]
    i = next(i for i, z in enumerate(zinnen) if "dergelijke groep" in z)
    assert i > 0 and "klankbordgroep" in zinnen[i - 1]
    # A fact question stays short: no sentences around the fact.
    assert len(cit.splits_antwoord(echte_dienst.vraag("Hoeveel wijken deden mee?").antwoord)) <= 2


def test_het_tweede_deel_van_een_vraag_leunt_op_het_eerste(echte_dienst):
    # 'hoeveel inwoners heeft die?' is about the neighbourhood the first part asks for, not a part left unanswered.
    for vraag in ("Welke wijk deed mee uit Kerkrade, en hoeveel inwoners heeft die?",
                  "Which neighbourhood took part for Kerkrade, and how many people live there?"):
        a = echte_dienst.vraag(vraag)
        assert a.gevonden and "Rolduckerveld" in a.antwoord and "2.605" in a.antwoord, a.antwoord
        assert "geen antwoord" not in a.antwoord and "Not found" not in a.antwoord, a.antwoord
