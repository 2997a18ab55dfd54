"""llama.cpp echt, met het kleine GGUF: streamen, markers, geldige citaten, claimcontrole; en een ontbrekend GGUF."""

import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms.custom import CustomLLM
from pydantic import PrivateAttr

from assistent import antwoord as ant
from assistent import citaten as cit
from assistent.cli import main
from conftest import ROOT, maak_instellingen
from hulp import overslaan_of_falen

# llama.cpp, or its CLI paths: not in `make test-snel`.
pytestmark = pytest.mark.traag

GGUF = Path(os.environ.get("TEST_GGUF", ROOT / ".modellen" / "qwen2.5-coder-0.5b-instruct.gguf"))
VRAAG = "Hoeveel inwoners heeft de wijk Selwerd?"
GEPLANT = "De wijk Selwerd heeft 99.999 inwoners"


def _llamacpp_of_overslaan() -> None:
    """Zonder llama-cpp-python of GGUF overslaan, behalve in CI: daar moet dit pad echt draaien."""
    reden = None
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        reden = "llama-cpp-python is niet geïnstalleerd (pip install -e '.[llamacpp]')"
    if reden is None and not GGUF.is_file():
        reden = f"GGUF ontbreekt: {GGUF} (bash scripts/testomgeving.sh)"
    overslaan_of_falen(reden)


def _instellingen(index: Path, **extra):
    # Short answers and few passages keep this affordable on 2 shared cores; behaviour is the same.
    waarden = {"llm": "llamacpp", "gguf": GGUF, "max_tokens": 120, "llamacpp_threads": 1,
               "llamacpp_context": 2048, "top_k": 3} | extra
    return maak_instellingen(index, **waarden)


@pytest.fixture(scope="session")
def llamacpp_dienst(echte_dienst):
    """Dienst die met llama.cpp antwoordt; het model laadt eenmaal per testrun."""
    _llamacpp_of_overslaan()
    from assistent.dienst import Dienst

    d = Dienst(_instellingen(echte_dienst.instellingen.index))
    d._llm("llamacpp").temperature = 0.0  # greedy: the same tokens every run, so failures reproduce
    return d


class MetGeplanteZin(CustomLLM):
    """Het echte model, met na zijn antwoord een geplante onware zin (zoals een zwak model die zou schrijven)."""

    zin: str
    _binnen: Any = PrivateAttr()

    def __init__(self, binnen, zin: str):
        super().__init__(zin=zin)
        self._binnen = binnen

    @property
    def metadata(self) -> LLMMetadata:
        return self._binnen.metadata

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            tekst = ""
            for r in self._binnen.stream_chat(messages):
                tekst += r.delta or ""
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=tekst), delta=r.delta)
            extra = f"\n{self.zin} [1]."
            yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=tekst + extra), delta=extra)

        return gen()

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        laatste = None
        for laatste in self.stream_chat(messages):
            pass
        return laatste

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self.chat([ChatMessage(role=MessageRole.USER, content=prompt)]).message.content)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        raise NotImplementedError("alleen chat")


def _geldig(a: ant.Antwoord) -> None:
    """Elke marker hoort bij een teruggegeven citaat, elk citaat wordt gebruikt, elke zin is gedragen."""
    assert set(cit.markers(a.antwoord)) == {c.nr for c in a.citaten}
    assert [c.nr for c in a.citaten] == list(range(1, len(a.citaten) + 1))
    for z in cit.splits_antwoord(a.antwoord):
        if not z.markers:  # a list heading such as "… zeven aanbevelingen:" carries its marker on the items
            continue
        assert cit.steun(z.tekst, [c.tekst for c in a.citaten if c.nr in z.markers]).ok, z.tekst


@pytest.mark.traag
def test_llamacpp_stroomt_en_het_antwoord_is_geldig(llamacpp_dienst):
    # Prose passages: a tiny model answers a number question with one token ('3'), here it writes a few lines.
    gebeurtenissen = list(llamacpp_dienst.vraag_stream("Wat zijn koppelkansen?"))
    tokens = [g.tekst for g in gebeurtenissen if g.soort == "token"]
    assert len(tokens) > 1, "llama.cpp streamde niet"
    ruw = "".join(tokens)
    assert ruw.strip()
    assert all(isinstance(n, int) for n in cit.markers(ruw))  # markers parse, whatever the model wrote
    a = gebeurtenissen[-1].antwoord
    assert gebeurtenissen[-1].soort == "klaar" and a.gevonden
    naam = f"llamacpp:{GGUF.name}"
    # Either the model's checked answer, or (nothing it wrote was supported) the extractive one, saying so.
    assert a.modus in {naam, f"extractief (na {naam})"}
    if a.modus != naam:
        assert a.melding == ant.TERUGVAL["nl"]
    assert a.citaten
    _geldig(a)


@pytest.mark.traag
def test_llamacpp_geplante_onware_zin_gaat_eruit(llamacpp_dienst):
    from assistent.dienst import Dienst

    echt = llamacpp_dienst._llm("llamacpp")
    d = Dienst(_instellingen(llamacpp_dienst.instellingen.index, llm="nep"), llm=MetGeplanteZin(echt, GEPLANT))
    gebeurtenissen = list(d.vraag_stream(VRAAG))
    tokens = [g.tekst for g in gebeurtenissen if g.soort == "token"]
    assert len(tokens) >= 2 and GEPLANT in tokens[-1]  # the real model spoke first, then the plant
    a = gebeurtenissen[-1].antwoord
    assert "99.999" not in a.antwoord
    assert any(z.startswith(GEPLANT) for z in a.verwijderd)
    _geldig(a)


@pytest.mark.traag
def test_llamacpp_chat_en_stroom_geven_dezelfde_soort_antwoord(llamacpp_dienst):
    llm = llamacpp_dienst._llm("llamacpp")
    berichten = [ChatMessage(role=MessageRole.USER, content="Noem drie kleuren.")]
    delen = [r for r in llm.stream_chat(berichten)]
    assert len(delen) > 1
    assert "".join(r.delta for r in delen) == delen[-1].message.content
    assert llm.chat(berichten).message.content.strip()
    assert llm.complete("Zeg hallo.").text.strip()


def test_llamacpp_model_eenmaal_per_proces_geladen(llamacpp_dienst):
    from assistent.backends.llms import maak_llm
    from assistent.dienst import Dienst

    eerste = llamacpp_dienst._llm("llamacpp")
    tweede = Dienst(_instellingen(llamacpp_dienst.instellingen.index))._llm("llamacpp")
    assert tweede is eerste
    assert maak_llm("llamacpp", llamacpp_dienst.instellingen.model_dump()) is eerste


def _dode_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


def test_auto_kiest_llamacpp_zonder_ollama(llamacpp_dienst):
    from assistent.dienst import Dienst

    d = Dienst(_instellingen(llamacpp_dienst.instellingen.index, llm="auto", ollama_url=_dode_url()))
    assert d.modus_kiezen() == "llamacpp"
    assert d.status()["modus"] == f"llamacpp:{GGUF.name}"


@pytest.fixture
def cli_omgeving(cli_echte_index):
    """Omgeving voor de CLI: de echte index, geen .env, geen Ollama."""
    cli_echte_index.setenv("ASSISTENT_OLLAMA_URL", _dode_url())
    return cli_echte_index


def test_cli_gguf_ontbreekt_geeft_duidelijke_fout(cli_omgeving, capsys, tmp_path):
    cli_omgeving.setenv("ASSISTENT_GGUF", str(tmp_path / "bestaat-niet.gguf"))
    code = main(["vraag", VRAAG, "--modus", "llamacpp"])
    fout = capsys.readouterr().err
    assert code != 0
    assert "GGUF-bestand niet gevonden" in fout and "bestaat-niet.gguf" in fout
    assert "Oplossing:" in fout and "ASSISTENT_GGUF" in fout


def test_cli_gguf_niet_ingesteld_geeft_duidelijke_fout(cli_omgeving, capsys):
    cli_omgeving.delenv("ASSISTENT_GGUF", raising=False)
    code = main(["vraag", VRAAG, "--modus", "llamacpp", "--json"])
    uit = capsys.readouterr()
    assert code != 0 and uit.out == ""
    assert "Geen GGUF-bestand ingesteld" in uit.err and "ASSISTENT_GGUF=" in uit.err


def test_auto_met_ontbrekend_gguf_antwoordt_extractief(cli_omgeving, capsys, tmp_path):
    cli_omgeving.setenv("ASSISTENT_GGUF", str(tmp_path / "bestaat-niet.gguf"))
    code = main(["vraag", VRAAG, "--json"])
    uit = capsys.readouterr().out
    assert code == 0
    assert '"modus": "extractief"' in uit and "6.231" in uit
