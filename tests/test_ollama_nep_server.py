"""Het Ollama-pad tegen een lokale stand-in server (tests/ollama_server.py): streamen, auto, wegvallen, terugkomen."""

import hulp
import pytest
from assistent import citaten as cit
from assistent.backends.llms import maak_llm
from assistent.cli import main
from conftest import maak_instellingen
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from ollama_server import NepOllama

# A stand-in Ollama server in every test: not in `make test-snel`.
pytestmark = pytest.mark.traag

MODEL = "gemma3:4b"
VRAAG = "Welke gemeenten namen deel aan het programma?"
GOED = "Eind 2018 ging het programma van start met vijftien deelnemende gemeenten"


def passage_nr(berichten: list[dict], fragment: str) -> int:
    """Nummer van de passage met `fragment` in het gebruikersbericht dat de server ontving."""
    return hulp.passage_nr(next(b["content"] for b in berichten if b["role"] == "user"), fragment)


def goed_antwoord(berichten: list[dict]) -> str:
    return f"{GOED} [{passage_nr(berichten, GOED)}]."


@pytest.fixture(scope="module")
def server():
    s = NepOllama(modellen=[MODEL, "nomic-embed-text:latest"]).start()
    yield s
    s.stop()


@pytest.fixture
def ollama(server):
    """De stand-in server, draaiend en leeg."""
    server.start()
    server.leeg()
    yield server
    server.start()


def _dienst(echte_dienst, server, **extra):
    from assistent.dienst import Dienst

    waarden = {"llm": "ollama", "ollama_url": server.url, "ollama_model": MODEL} | extra
    return Dienst(maak_instellingen(echte_dienst.instellingen.index, **waarden))


@pytest.fixture(scope="module")
def ollama_dienst(echte_dienst, server):
    return _dienst(echte_dienst, server)


@pytest.fixture(scope="module")
def auto_dienst(echte_dienst, server):
    return _dienst(echte_dienst, server, llm="auto")


def _geldig(a) -> None:
    assert set(cit.markers(a.antwoord)) == {c.nr for c in a.citaten}
    assert [c.nr for c in a.citaten] == list(range(1, len(a.citaten) + 1))


def test_nep_ollama_server_gestreamd_antwoord_in_modus_ollama(ollama_dienst, ollama):
    ollama.zet_in_rij(goed_antwoord)
    gebeurtenissen = list(ollama_dienst.vraag_stream(VRAAG))
    tokens = [g.tekst for g in gebeurtenissen if g.soort == "token"]
    assert len(tokens) > 1
    a = gebeurtenissen[-1].antwoord
    assert a.modus == f"ollama:{MODEL}" and a.melding is None
    assert a.antwoord == f"{GOED} [1]." and GOED in a.citaten[0].tekst
    _geldig(a)
    (verzoek,) = ollama.chatverzoeken()
    assert verzoek["model"] == MODEL and verzoek["stream"] is True
    assert [b["role"] for b in verzoek["messages"]] == ["system", "user"]
    assert f"<<<{VRAAG}>>>" in verzoek["messages"][1]["content"]


def test_nep_ollama_server_claimcontrole_ook_voor_ollama(ollama_dienst, ollama):
    ollama.zet_in_rij(lambda b: f"{goed_antwoord(b)} Utrecht betaalde 3 miljoen euro [{passage_nr(b, GOED)}].")
    a = ollama_dienst.vraag(VRAAG)
    assert a.modus == f"ollama:{MODEL}"
    assert "3 miljoen" not in a.antwoord and a.verwijderd == ["Utrecht betaalde 3 miljoen euro."]


def test_nep_ollama_server_niet_gestreamd_chat(server, ollama):
    ollama.zet_in_rij("Dit is een antwoord in één keer.")
    llm = maak_llm("ollama", {"ollama_url": server.url, "ollama_model": MODEL})
    r = llm.chat([ChatMessage(role=MessageRole.USER, content="Hallo?")])
    assert r.message.content == "Dit is een antwoord in één keer."
    (verzoek,) = ollama.chatverzoeken()
    assert verzoek["stream"] is False and verzoek["messages"][-1]["content"] == "Hallo?"


def test_nep_ollama_server_vervolgvraag_herschrijft_niet_gestreamd(ollama_dienst, ollama):
    # The rewrite goes through /api/chat without streaming, the answer with streaming.
    ollama.zet_in_rij("Hoeveel inwoners heeft de wijk Selwerd in Groningen?",
                      lambda b: f"De wijk Selwerd heeft 6.231 inwoners [{passage_nr(b, 'Selwerd Groningen 6.231')}].")
    gesprek = [{"rol": "gebruiker", "tekst": "Welke wijk deed mee in Groningen?"},
               {"rol": "assistent", "tekst": "In Groningen deed een wijk mee [1]."}]
    a = ollama_dienst.vraag("En hoeveel inwoners heeft die wijk?", gesprek=gesprek)
    assert [v["stream"] for v in ollama.chatverzoeken()] == [False, True]
    assert "Selwerd" in a.zelfstandige_vraag
    assert a.modus == f"ollama:{MODEL}"
    assert a.antwoord == "De wijk Selwerd heeft 6.231 inwoners [1]."
    assert "Selwerd Groningen 6.231" in a.citaten[0].tekst


def test_nep_ollama_server_auto_kiest_ollama_als_het_model_er_is(auto_dienst, ollama):
    ollama.zet_in_rij(goed_antwoord)
    assert auto_dienst.modus_kiezen() == "ollama"
    a = auto_dienst.vraag(VRAAG)
    assert a.modus == f"ollama:{MODEL}"


def test_nep_ollama_server_auto_zonder_het_model_antwoordt_extractief(echte_dienst):
    with NepOllama(modellen=["llama3.2:1b"]) as ander:
        d = _dienst(echte_dienst, ander, llm="auto")
        assert d.modus_kiezen() == "extractief"
        a = d.vraag(VRAAG)
        assert a.modus == "extractief" and a.gevonden
        assert ander.chatverzoeken() == []


def test_nep_ollama_server_weg_en_terug(auto_dienst, ollama):
    ollama.zet_in_rij(goed_antwoord)
    assert auto_dienst.vraag(VRAAG).modus == f"ollama:{MODEL}"

    ollama.stop()  # the server goes down while the service still thinks it is there
    a = auto_dienst.vraag(VRAAG)
    assert a.gevonden and a.modus == "extractief" and a.citaten
    assert a.melding and "niet bereikbaar" in a.melding
    _geldig(a)
    # Still down: the next request re-probes and answers extractively at once.
    assert auto_dienst.vraag(VRAAG).modus == "extractief"

    ollama.start()  # back: the next request uses the model again
    ollama.zet_in_rij(goed_antwoord)
    a = auto_dienst.vraag(VRAAG)
    assert a.modus == f"ollama:{MODEL}" and a.melding is None
    assert a.antwoord == f"{GOED} [1]."


def test_nep_ollama_server_ingesteld_maar_onbereikbaar_valt_terug_met_melding(echte_dienst, server):
    ollama_uit = NepOllama(modellen=[MODEL]).start()
    ollama_uit.stop()
    d = _dienst(echte_dienst, ollama_uit)  # ASSISTENT_LLM=ollama, but not asked for in this request
    a = d.vraag(VRAAG)
    assert a.gevonden and a.modus == "extractief"
    assert a.melding and "Ollama antwoordt niet" in a.melding


def test_nep_ollama_server_verbinding_valt_weg_midden_in_het_antwoord(ollama_dienst, ollama):
    ollama.breek_af_na = 3
    ollama.zet_in_rij(goed_antwoord)
    gebeurtenissen = list(ollama_dienst.vraag_stream(VRAAG))
    soorten = [g.soort for g in gebeurtenissen]
    assert soorten.count("token") == 3 and "melding" in soorten and soorten[-1] == "klaar"
    a = gebeurtenissen[-1].antwoord
    assert a.modus == "extractief" and a.gevonden and a.melding
    _geldig(a)




def test_cli_modus_ollama_onbereikbaar_geeft_duidelijke_fout(cli_echte_index, capsys):
    uit = NepOllama().start()
    uit.stop()
    cli_echte_index.setenv("ASSISTENT_OLLAMA_URL", uit.url)
    code = main(["vraag", VRAAG, "--modus", "ollama"])
    r = capsys.readouterr()
    assert code != 0
    assert f"Ollama antwoordt niet op {uit.url}" in r.err
    assert "Oplossing:" in r.err and "ollama serve" in r.err and "ASSISTENT_OLLAMA_URL" in r.err


def test_cli_modus_ollama_zonder_het_model_zegt_hoe_je_het_haalt(cli_echte_index, capsys):
    with NepOllama(modellen=["llama3.2:1b"]) as ander:
        cli_echte_index.setenv("ASSISTENT_OLLAMA_URL", ander.url)
        code = main(["vraag", VRAAG, "--modus", "ollama", "--json"])
    r = capsys.readouterr()
    assert code != 0 and r.out == ""
    assert f"heeft het model '{MODEL}' niet" in r.err and f"ollama pull {MODEL}" in r.err


def test_cli_modus_ollama_met_nep_server_antwoordt(cli_echte_index, capsys, ollama):
    cli_echte_index.setenv("ASSISTENT_OLLAMA_URL", ollama.url)
    ollama.zet_in_rij(goed_antwoord)
    code = main(["vraag", VRAAG, "--modus", "ollama", "--json"])
    r = capsys.readouterr()
    assert code == 0
    assert f'"modus": "ollama:{MODEL}"' in r.out and GOED in r.out
