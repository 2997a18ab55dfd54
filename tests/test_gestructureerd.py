"""Gestructureerde citaten: passages met genummerde zinnen, een JSON-schema met alleen bestaande zin-id's,
beweringen gecontroleerd tegen precies de zinnen die ze citeren; en met het echte 0.5B-model via een grammatica."""

import json
import re

import pytest

from assistent import citaten as cit
from assistent import taal
from assistent import taalmodel as tm

VRAAG = "Welke gemeenten namen deel aan het programma?"
GOED = "Eind 2018 ging het programma van start met vijftien deelnemende gemeenten"


@pytest.fixture(scope="module")
def treffers(echte_dienst):
    echte_dienst._klaar_om_te_zoeken()
    return echte_dienst.zoeker.zoek(VRAAG, k=3).treffers[:3]


def _id_van(treffers, fragment: str) -> str:
    for i, t in enumerate(treffers, start=1):
        for j, z in enumerate(tm.zinnen_van(t.node.text), start=1):
            if fragment in z:
                return f"{i}.{j}"
    raise AssertionError(f"{fragment!r} staat in geen enkele zin")


def test_prompt_nummert_zinnen_met_dezelfde_splitser(treffers):
    systeem, gebruiker = tm.prompt_berichten(VRAAG, treffers, "nl", gestructureerd=True)
    assert systeem.content == tm.SYSTEEM_JSON and gebruiker.content.startswith("Passages:\n\n[1] (")
    eerste = treffers[0].node.text
    zinnen = [eerste[b:e].strip() for b, e in taal.zinnen(eerste) if eerste[b:e].strip()]
    for j, z in enumerate(zinnen, start=1):
        assert f"[1.{j}] {z}" in gebruiker.content
    # The prefix before the passages is the same for every question (prompt caching).
    ander = tm.prompt_berichten("Wat zijn koppelkansen?", treffers[1:], "nl", gestructureerd=True)
    assert ander[0].content == systeem.content and ander[1].content[:13] == gebruiker.content[:13]


def test_schema_kent_alleen_bestaande_zinnen(treffers):
    s = tm.schema(treffers)
    ids = s["properties"]["beweringen"]["items"]["properties"]["zinnen"]["items"]["enum"]
    assert ids[0] == "1.1" and len(ids) == sum(len(tm.zinnen_van(t.node.text)) for t in treffers)
    assert _id_van(treffers, GOED) in ids


def test_bewering_tegen_precies_de_geciteerde_zin(treffers):
    goed_id = _id_van(treffers, GOED)
    ander_id = next(i for i in tm.schema(treffers)["properties"]["beweringen"]["items"]["properties"]["zinnen"]
                    ["items"]["enum"] if i != goed_id)
    ruw = json.dumps({"beweringen": [
        {"tekst": f"{GOED}.", "zinnen": [goed_id]},
        {"tekst": f"{GOED}.", "zinnen": [ander_id]},  # true, but not in the sentence it cites
        {"tekst": "Utrecht betaalde 3 miljoen euro.", "zinnen": [goed_id]},
        {"tekst": "Iets zonder bron.", "zinnen": ["9.9"]},
    ]})
    c = tm.controleer_beweringen(tm.lees_beweringen(ruw), treffers)
    nr = int(goed_id.split(".")[0])
    assert c.tekst == f"{GOED} [{nr}]."
    assert c.verwijderd == [f"{GOED}.", "Utrecht betaalde 3 miljoen euro.", "Iets zonder bron."]
    assert set(cit.markers(c.tekst)) <= set(range(1, len(treffers) + 1))


def test_afgekapte_json_en_zichtbare_tekst():
    ruw = '{"beweringen": [{"tekst": "Eerste \\"zin\\".", "zinnen": ["1.2"]}, {"tekst": "Tweede z'
    assert tm.zichtbare_tekst(ruw) == 'Eerste "zin". Tweede z'
    assert [b.tekst for b in tm.lees_beweringen(ruw)] == ['Eerste "zin".']
    assert tm.lees_beweringen("Gewone tekst [1].") is None and tm.zichtbare_tekst("Gewone tekst [1].") == "Gewone tekst [1]."


def test_niet_json_valt_terug_op_de_tekstcontrole(treffers):
    from assistent.backends.llms import NepLLM

    nr = next(i for i, t in enumerate(treffers, start=1) if GOED in t.node.text)
    m = tm.MetTaalmodel(NepLLM([f"{GOED} [{nr}]."]), "nep")
    assert m.vorm == "tekst"
    assert "".join(m.stream(VRAAG, treffers, "nl"))
    assert m.controleer(treffers).tekst == f"{GOED} [{nr}]."


@pytest.mark.traag
def test_llamacpp_in_proces_geeft_beweringen_volgens_het_schema(treffers):
    from test_llamacpp import GGUF, _llamacpp_of_overslaan

    _llamacpp_of_overslaan()
    from assistent.backends.llms import maak_llm

    llm = maak_llm("llamacpp", {"gguf": GGUF, "max_tokens": 160, "llamacpp_threads": 1, "llamacpp_context": 4096})
    m = tm.MetTaalmodel(llm, "llamacpp")
    assert m.vorm == "llamacpp"
    zichtbaar = "".join(m.stream(VRAAG, treffers, "nl"))
    beweringen = tm.lees_beweringen(m.ruw)
    assert beweringen is not None, m.ruw
    ids = set(tm.schema(treffers)["properties"]["beweringen"]["items"]["properties"]["zinnen"]["items"]["enum"])
    assert all(z in ids for b in beweringen for z in b.zinnen)  # the grammar allows only existing sentences
    assert zichtbaar.startswith(beweringen[0].tekst.strip()[:20]) if beweringen else True
    c = m.controleer(treffers)
    assert set(cit.markers(c.tekst)) <= set(range(1, len(treffers) + 1))
    assert m.tokens and m.tokens["prompt_tokens"] > 100 and m.tokens["completion_tokens"] >= 1


# ----- the evidence the model reads: the answer's sentences plus the best matching others -----

def _bewijs(dienst, vraag: str, modus: str = "ollama"):
    dienst._klaar_om_te_zoeken()
    v = dienst.analyseer(vraag)
    v.taal = "nl"
    r = dienst.zoeker.zoek(v.tekst, k=6, taalcode="nl", nadruk=v.kern)
    concept = dienst._concept(v, r, None, None)
    return r, concept, *dienst.bewijs(v, r, concept, modus)


def test_bewijs_houdt_het_antwoord_en_vult_aan_tot_het_maximum(echte_dienst):
    r, concept, treffers, keuze = _bewijs(echte_dienst, VRAAG)
    gebruiker = tm.prompt_berichten(VRAAG, treffers, "nl", True, keuze)[1].content
    # Every sentence of the extractive answer is shown to the model, with its number in the whole passage.
    for z in cit.splits_antwoord(concept.tekst):
        zin = cit.zonder_markers(z.tekst).strip()
        assert any(f"] {zin}" in regel for regel in gebruiker.splitlines()), zin
    getoond = [regel for regel in gebruiker.splitlines() if re.match(r"\[\d+\.\d+\] ", regel)]
    assert len(getoond) == echte_dienst.instellingen.prompt_zinnen
    assert len(gebruiker) < len(tm.prompt_berichten(VRAAG, r.treffers, "nl", True)[1].content) / 2
    # The schema allows exactly the shown ids, and they keep their numbers in the passage.
    ids = tm.schema(treffers, keuze)["properties"]["beweringen"]["items"]["properties"]["zinnen"]["items"]["enum"]
    assert ids == [regel[1:regel.index("]")] for regel in getoond]
    i, j = map(int, _id_van(treffers, GOED).split("."))
    assert f"{i}.{j}" in ids and tm.zinnen_van(treffers[i - 1].node.text)[j - 1].startswith(GOED)


def test_bewijs_van_een_lijst_valt_niet_onder_de_passagegrens(echte_dienst):
    vraag = "Wat zijn de zeven aanbevelingen?"
    _, concept, treffers, keuze = _bewijs(echte_dienst, vraag, modus="llamacpp")
    assert len(concept.passages) > echte_dienst.instellingen.llamacpp_passages
    gebruiker = tm.prompt_berichten(vraag, treffers, "nl", True, keuze)[1].content
    for nr, titel in echte_dienst.aanbevelingen():
        assert titel in gebruiker


def test_zonder_bewijskeuze_hele_passages(echte_dienst):
    from assistent.dienst import Dienst
    from conftest import maak_instellingen

    d = Dienst(maak_instellingen(echte_dienst.instellingen.index, prompt_zinnen=0))
    r, _, treffers, keuze = _bewijs(d, VRAAG, modus="llamacpp")
    assert keuze is None and treffers == r.treffers[:d.instellingen.llamacpp_passages]
    assert tm.prompt_berichten(VRAAG, treffers, "nl", True, keuze) == tm.prompt_berichten(VRAAG, treffers, "nl", True)
