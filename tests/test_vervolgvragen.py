"""Vervolgvragen: 'En hoeveel inwoners heeft die wijk?' na een vraag over Groningen vindt de rij van Selwerd."""


import pytest

from assistent import taalmodel as tm
from assistent.backends.llms import NepLLM
from conftest import maak_instellingen
from hulp import passage_nr

VERVOLG = "En hoeveel inwoners heeft die wijk?"
SELWERD_RIJ = "Selwerd Groningen 6.231"


def _gesprek(vraag: str, antwoord: str) -> list[dict]:
    return [{"rol": "gebruiker", "tekst": vraag}, {"rol": "assistent", "tekst": antwoord}]


# ----- deterministic (extractive) -----

def test_vervolgvraag_na_groningen_vindt_selwerd(echte_dienst):
    eerste = echte_dienst.vraag("Welke wijk deed mee in Groningen?")
    a = echte_dienst.vraag(VERVOLG, gesprek=_gesprek(eerste.vraag, eerste.antwoord))
    assert a.modus == "extractief" and a.gevonden
    assert "6.231" in a.antwoord
    assert SELWERD_RIJ in a.citaten[0].tekst and a.citaten[0].pagina == 4
    # 'die wijk' is replaced by the neighbourhood named in the previous answer.
    assert a.zelfstandige_vraag == "En hoeveel inwoners heeft Selwerd?"


def test_die_wijk_naast_een_nieuwe_naam_is_de_wijk_van_het_vorige_antwoord(echte_dienst):
    eerste = echte_dienst.vraag("Hoeveel inwoners heeft Groenoord?")
    a = echte_dienst.vraag("En is die wijk groter dan Selwerd?", gesprek=_gesprek(eerste.vraag, eerste.antwoord))
    # Not 'Hoeveel inwoners heeft Selwerd?': the new name is compared with the one from before.
    assert a.zelfstandige_vraag == "En is Groenoord groter dan Selwerd?"
    assert "Groenoord heeft dus meer inwoners dan Selwerd" in a.antwoord and len(a.citaten) == 2


def test_zelfstandige_vervolgvraag_wordt_gesteld_zoals_hij_is(echte_dienst):
    gesprek = _gesprek("Wat zijn de zeven aanbevelingen?", "1. Durf te experimenteren [1] …")
    a = echte_dienst.vraag("Welke rol spelen woningcorporaties volgens de publicatie?", gesprek=gesprek)
    assert a.zelfstandige_vraag is None
    assert "Durf te experimenteren" not in a.antwoord


def test_vervolgvraag_over_een_aanbeveling_op_nummer(echte_dienst):
    gesprek = _gesprek("Wat is aanbeveling 4?", "Aanbeveling 4: Zorg voor de juiste veldbezetting [1].")
    a = echte_dienst.vraag("Waarom is die zo belangrijk?", gesprek=gesprek)
    # A lone 'die' points back; the recommendation travels along by number, so its own text answers.
    assert "aanbeveling 4" in a.zelfstandige_vraag and a.citaten and a.citaten[0].aanbeveling == 4
    a = echte_dienst.vraag("Wat moet je daarvoor concreet doen?", gesprek=gesprek)
    assert a.citaten and a.citaten[0].aanbeveling == 4


def test_meegenomen_onderwerp_is_geen_tweede_vraag(echte_dienst):
    gesprek = _gesprek("Wat is de lichtste vorm van het verbinden van opgaven?", "Afstemming [1].")
    a = echte_dienst.vraag("En wat is de zwaarste vorm?", gesprek=gesprek)
    # The carried context '(…)' is not answered as a second part: no sentence twice, no double citation.
    assert len({c.id for c in a.citaten}) == len(a.citaten)
    assert echte_dienst.analyseer(a.zelfstandige_vraag).delen == []


def test_ellips_met_een_nieuwe_naam_herhaalt_de_vorige_vraag(echte_dienst):
    gesprek = _gesprek("Hoeveel inwoners heeft Pendrecht?", "De wijk Pendrecht (gemeente Rotterdam) heeft 12.380 inwoners [1].")
    a = echte_dienst.vraag("En Crabbehof?", gesprek=gesprek)
    assert a.zelfstandige_vraag == "Hoeveel inwoners heeft Crabbehof?"
    assert "7.420" in a.antwoord and "12.380" not in a.antwoord


def test_vervolgvraag_neemt_de_naam_uit_het_vorige_antwoord_mee(echte_dienst):
    # 'Leiden' is only in the answer, capitalised; it must still count as a name from the sources.
    gesprek = _gesprek("Welke gemeente heeft het programma voortijdig verlaten?",
                       "Eén gemeente (Leiden) heeft het programma voortijdig verlaten [1].")
    a = echte_dienst.vraag("Welke wijk had die gemeente ingediend?", gesprek=gesprek)
    assert "Leiden" in a.zelfstandige_vraag
    assert "Zuidhoven" in a.antwoord and "Zuidhoven Leiden 3.410" in a.citaten[0].tekst


def test_vervolgvraag_na_een_lange_vorige_vraag_over_groningen(echte_dienst):
    gesprek = _gesprek("Deed de gemeente Groningen mee aan het programma?",
                       "Ja, Groningen was een van de deelnemende gemeenten [1].")
    a = echte_dienst.vraag(VERVOLG, gesprek=gesprek)
    assert "6.231" in a.antwoord and SELWERD_RIJ in a.citaten[0].tekst


def test_vervolgvraag_is_deterministisch(echte_dienst):
    gesprek = _gesprek("Welke wijk deed mee in Groningen?", "De wijk Selwerd (gemeente Groningen) heeft 6.231 inwoners [1].")
    a, b = (echte_dienst.vraag(VERVOLG, gesprek=gesprek) for _ in range(2))
    assert (a.antwoord, a.zelfstandige_vraag, [c.id for c in a.citaten]) == \
           (b.antwoord, b.zelfstandige_vraag, [c.id for c in b.citaten])


def test_vervolgvraag_volgt_het_onderwerp_van_het_gesprek(echte_dienst):
    # Same follow-up after Kerkrade: the subject comes from the history, not from a fixed answer.
    a = echte_dienst.vraag(VERVOLG, gesprek=_gesprek("Welke wijk deed mee in Kerkrade?", "Dat was Rolduckerveld [1]."))
    assert "2.605" in a.antwoord and "6.231" not in a.antwoord
    assert "Rolduckerveld Kerkrade 2.605" in a.citaten[0].tekst


def test_zonder_gesprek_is_die_wijk_onbekend(echte_dienst):
    a = echte_dienst.vraag(VERVOLG)
    assert "6.231" not in a.antwoord
    assert a.zelfstandige_vraag is None


# ----- with the language model rewriting -----

@pytest.fixture(scope="module")
def nep() -> NepLLM:
    return NepLLM()


@pytest.fixture
def nep_dienst(echte_dienst, nep):
    from assistent.dienst import Dienst

    nep.leeg()
    yield Dienst(maak_instellingen(echte_dienst.instellingen.index, llm="nep"), llm=nep)
    assert nep.in_rij == 0, "niet elk klaargezet antwoord werd gevraagd"


def _selwerd_antwoord(prompt: str) -> str:
    return f"De wijk Selwerd heeft 6.231 inwoners [{passage_nr(prompt, SELWERD_RIJ)}]."


def test_vervolgvraag_herschreven_door_het_model(nep_dienst, nep):
    herschreven = "Hoeveel inwoners heeft de wijk Selwerd in de gemeente Groningen?"
    nep.zet_in_rij(herschreven, _selwerd_antwoord)
    gesprek = _gesprek("Welke wijk deed mee in Groningen?", "De wijk Selwerd (gemeente Groningen) heeft 6.231 inwoners [1].")
    a = nep_dienst.vraag(VERVOLG, gesprek=gesprek)
    herschrijf_prompt, antwoord_prompt = nep.prompts
    assert tm.HERSCHRIJF in herschrijf_prompt
    assert "Gebruiker: Welke wijk deed mee in Groningen?" in herschrijf_prompt and VERVOLG in herschrijf_prompt
    assert a.zelfstandige_vraag.startswith(herschreven)
    assert herschreven in antwoord_prompt.split("<<<", 1)[1]  # the model answers the standalone question
    assert a.modus == "nep" and a.melding is None
    assert a.antwoord == "De wijk Selwerd heeft 6.231 inwoners [1]."
    assert SELWERD_RIJ in a.citaten[0].tekst


def test_zwakke_herschrijving_houdt_het_onderwerp_uit_het_gesprek(nep_dienst, nep):
    # A weak model that just repeats the follow-up: the deterministic rewrite keeps the neighbourhood in the question.
    nep.zet_in_rij("Hoeveel inwoners heeft die wijk?", _selwerd_antwoord)
    a = nep_dienst.vraag(VERVOLG, gesprek=_gesprek("Welke wijk deed mee in Groningen?", "Selwerd [1]."))
    assert "Selwerd" in a.zelfstandige_vraag
    assert a.modus == "nep" and a.antwoord == "De wijk Selwerd heeft 6.231 inwoners [1]."


def test_verzonnen_herschrijving_wordt_genegeerd(nep_dienst, nep):
    # Words that occur nowhere in the sources ('Blauwwijk', 'Zwolle') are a hallucination: keep the deterministic rewrite.
    nep.zet_in_rij("Hoeveel inwoners heeft Blauwwijk in Zwolle?", _selwerd_antwoord)
    a = nep_dienst.vraag(VERVOLG, gesprek=_gesprek("Welke wijk deed mee in Groningen?", "Selwerd [1]."))
    assert "Zwolle" not in a.zelfstandige_vraag and a.zelfstandige_vraag == "En hoeveel inwoners heeft Selwerd?"
    assert a.antwoord == "De wijk Selwerd heeft 6.231 inwoners [1]."


def test_vervolgvraag_over_de_ene_naam_uit_het_vorige_antwoord(echte_dienst):
    gesprek = [{"rol": "gebruiker", "tekst": "Welke gemeente stapte voortijdig uit het programma?"},
               {"rol": "assistent", "tekst": "Dat was Leiden [1]."}]
    a = echte_dienst.vraag("en welke wijk had die ingebracht?", gesprek=gesprek)
    # 'die' is the one municipality the answer named; the carried context does not make it a text question.
    assert "Leiden" in a.zelfstandige_vraag and "Zuidhoven" in a.antwoord
    assert [c.tekst.split("\n")[-1] for c in a.citaten] == ["Zuidhoven Leiden 3.410"]


def test_vervolgvraag_met_alleen_een_rangtelwoord(echte_dienst):
    lijst = echte_dienst.vraag("Wat zijn de aanbevelingen?")
    a = echte_dienst.vraag("Vertel meer over de tweede", gesprek=_gesprek(lijst.vraag, lijst.antwoord))
    # The second item of the list just given: recommendation 2.
    assert a.antwoord.startswith("Aanbeveling 2:")
    eerste = echte_dienst.vraag("Wat is de eerste aanbeveling?")
    a = echte_dienst.vraag("En de laatste?", gesprek=_gesprek(eerste.vraag, eerste.antwoord))
    assert a.antwoord.startswith("Aanbeveling 7:")
    a = echte_dienst.vraag("Waarom is die eerste vorm zo lastig?",
                           gesprek=_gesprek("Welke drie vormen van verbinden noemt het rapport?",
                                            "Koppelkansen, meekoppelkansen en afstemming [1]."))
    assert "Koppelkansen" in a.zelfstandige_vraag and "koppelkansen" in a.antwoord.lower()


def test_vervolgvraag_naar_een_punt_van_de_vorige_aanbeveling(echte_dienst):
    eerste = echte_dienst.vraag("Wat is aanbeveling 3?")
    a = echte_dienst.vraag("En wat is het tweede punt?", gesprek=_gesprek(eerste.vraag, eerste.antwoord))
    assert a.antwoord.startswith("Aanbeveling 3:") and a.antwoord.endswith("– Formaliseer de samenwerking [1].")


def test_vervolgvraag_met_een_kaal_aanwijzend_woord_in_een_vergelijking(echte_dienst):
    eerste = echte_dienst.vraag("Welke wijk bracht Hengelo in?")
    for vraag in ("En is die groter dan Zwanenveld?", "Is that bigger than Zwanenveld?"):
        a = echte_dienst.vraag(vraag, gesprek=_gesprek(eerste.vraag, eerste.antwoord))
        # 'die' is last time's neighbourhood, compared with the new name; not the old question about the new name.
        assert "Nijverheid" in a.zelfstandige_vraag and "Zwanenveld heeft dus meer inwoners dan Nijverheid" in a.antwoord, vraag


def test_vervolgvraag_herhaalt_het_vorige_antwoord_niet(echte_dienst):
    from assistent import citaten as cit

    vraag = "Komt de warmtetransitie in de wijken snel op gang?"
    eerste = echte_dienst.vraag(vraag)
    assert eerste.gevonden
    a = echte_dienst.vraag("Waarom is dat?", [{"rol": "gebruiker", "tekst": vraag},
                                              {"rol": "assistent", "tekst": eerste.antwoord}])
    # What was just said is no answer to 'why': the follow-up brings sentences the user has not read yet.
    gezegd = {cit.zonder_markers(z.tekst).strip() for z in cit.splits_antwoord(eerste.antwoord)}
    nieuw = [cit.zonder_markers(z.tekst).strip() for z in cit.splits_antwoord(a.antwoord)]
    assert a.gevonden and nieuw and not set(nieuw) & gezegd, a.antwoord
