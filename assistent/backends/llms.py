"""Taalmodellen als LlamaIndex LLM: OpenAI-compatibele servers, Ollama, llama.cpp in-process, en een nep-LLM voor tests."""

import json
import threading
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms import LLM
from llama_index.core.llms.custom import CustomLLM
from pydantic import Field, PrivateAttr

from assistent.fouten import BackendOntbreekt, ConfiguratieFout, ModelNietBereikbaar


class NepLLM(CustomLLM):
    """Echte LLM-implementatie voor tests: geeft antwoorden uit een wachtrij en bewaart de prompts.

    Een antwoord in de wachtrij mag ook een functie prompt -> tekst zijn (om naar passagenummers te verwijzen).
    """

    antwoorden: list[Any] = Field(default_factory=list)
    standaard: str = "Dat kan ik niet terugvinden in de publicaties van het programma."
    _wachtrij: deque = PrivateAttr()
    _prompts: list = PrivateAttr(default_factory=list)
    _slot: Any = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, antwoorden: Sequence[str | Callable[[str], str]] = (), **kwargs):
        super().__init__(antwoorden=list(antwoorden), **kwargs)
        self._wachtrij = deque(self.antwoorden)

    @classmethod
    def class_name(cls) -> str:
        return "NepLLM"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="nep", is_chat_model=True, context_window=8192, num_output=512)

    @property
    def prompts(self) -> list[str]:
        """Alle prompts die dit model kreeg, in volgorde."""
        return list(self._prompts)

    def zet_in_rij(self, *antwoorden: str | Callable[[str], str]) -> None:
        """Volgende antwoorden klaarzetten."""
        self._wachtrij.extend(antwoorden)

    def leeg(self) -> None:
        """Wachtrij en opgenomen prompts wissen (tussen tests)."""
        with self._slot:
            self._wachtrij.clear()
            self._prompts.clear()

    @property
    def in_rij(self) -> int:
        """Aantal antwoorden dat nog klaarstaat."""
        return len(self._wachtrij)

    def _volgende(self, prompt: str) -> str:
        with self._slot:
            self._prompts.append(prompt)
            antwoord = self._wachtrij.popleft() if self._wachtrij else self.standaard
        return antwoord(prompt) if callable(antwoord) else antwoord

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        tekst = self._volgende(prompt)
        return CompletionResponse(text=tekst)

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        tekst = self._volgende(prompt)

        def gen() -> CompletionResponseGen:
            opgebouwd = ""
            for woord in tekst.split(" "):
                delta = (" " if opgebouwd else "") + woord
                opgebouwd += delta
                yield CompletionResponse(text=opgebouwd, delta=delta)

        return gen()

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        antwoord = self.complete(_als_tekst(messages))
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=antwoord.text))

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        def gen() -> ChatResponseGen:
            for r in self.stream_complete(_als_tekst(messages)):
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=r.text), delta=r.delta)

        return gen()


def _als_tekst(messages: Sequence[ChatMessage]) -> str:
    return "\n\n".join(f"[{m.role.value}]\n{m.content}" for m in messages)


class LlamaCppLLM(CustomLLM):
    """llama.cpp in-process (llama-cpp-python) met het chat-sjabloon uit het GGUF-bestand en een promptcache."""

    model_path: str
    context_window: int = 4096
    max_tokens: int = 400
    temperature: float = 0.1
    prompt_cache: bool = True
    _llama: Any = PrivateAttr()
    _slot: Any = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, model_path: str, context_window: int = 4096, max_tokens: int = 400,
                 threads: int | None = None, prompt_cache: bool = True, **kwargs):
        try:
            from llama_cpp import Llama, LlamaRAMCache
        except ImportError as e:
            raise BackendOntbreekt("llama-cpp-python is niet geïnstalleerd.",
                                   "pip install 'wijkassistent[llamacpp]' (bouwt llama.cpp, duurt enkele minuten).") from e
        super().__init__(model_path=model_path, context_window=context_window, max_tokens=max_tokens,
                         prompt_cache=prompt_cache, **kwargs)
        # The thread count also bounds prompt processing (llama.cpp would use every core there, and its
        # OpenMP threads spin: on a shared 2-core server that doubled the CPU cost of the first token).
        # Flash attention lowers the CPU cost of a long prompt a little.
        extra = {"n_threads": threads, "n_threads_batch": threads} if threads else {}
        self._llama = Llama(model_path=model_path, n_ctx=context_window, flash_attn=True, verbose=False, **extra)
        if prompt_cache:
            # llama.cpp already reuses the KV cache for the prefix the previous prompt shared; the RAM cache keeps
            # the state of earlier prompts too, so the fixed prefix survives a different prompt in between
            # (the rewrite of a follow-up question) and is not processed again.
            self._llama.set_cache(LlamaRAMCache(capacity_bytes=256 << 20))

    @classmethod
    def class_name(cls) -> str:
        return "LlamaCppLLM"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name=Path(self.model_path).name, is_chat_model=True,
                           context_window=self.context_window, num_output=self.max_tokens)

    def _berichten(self, messages: Sequence[ChatMessage]) -> list[dict]:
        return [{"role": m.role.value, "content": m.content or ""} for m in messages]

    @staticmethod
    def _opties(kwargs: dict) -> dict:
        # Only what llama.cpp understands; response_format with a JSON schema becomes a grammar there.
        return {k: kwargs[k] for k in ("response_format", "grammar") if kwargs.get(k) is not None}

    def warm(self, messages: Sequence[ChatMessage]) -> None:
        """De vaste promptprefix vooraf verwerken, zodat ook de eerste vraag hem uit de cache haalt."""
        with self._slot:
            self._llama.create_chat_completion(self._berichten(messages), max_tokens=1, temperature=0.0)

    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        with self._slot:
            uit = self._llama.create_chat_completion(self._berichten(messages), max_tokens=self.max_tokens,
                                                     temperature=self.temperature, **self._opties(kwargs))
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT,
                                                content=uit["choices"][0]["message"]["content"]),
                            additional_kwargs=dict(uit.get("usage") or {}))

    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        berichten = self._berichten(messages)
        opties = self._opties(kwargs)

        def gen() -> ChatResponseGen:
            # One generation at a time: the llama context is not thread-safe.
            with self._slot:
                tekst, n = "", 0
                for deel in self._llama.create_chat_completion(berichten, max_tokens=self.max_tokens,
                                                               temperature=self.temperature, stream=True, **opties):
                    delta = deel["choices"][0]["delta"].get("content") or ""
                    if delta:
                        tekst += delta
                        n += 1
                        yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=tekst), delta=delta)
                # Streaming reports no usage: the context holds prompt + answer, each piece was one token.
                prompt = max(0, int(self._llama.n_tokens) - n)
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=tekst), delta="",
                                   additional_kwargs={"prompt_tokens": prompt, "completion_tokens": n,
                                                      "total_tokens": prompt + n})

        return gen()

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        r = self.chat([ChatMessage(role=MessageRole.USER, content=prompt)])
        return CompletionResponse(text=r.message.content or "")

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            for r in self.stream_chat([ChatMessage(role=MessageRole.USER, content=prompt)]):
                yield CompletionResponse(text=r.message.content or "", delta=r.delta)

        return gen()


def ollama_modellen(url: str, timeout: float = 2.0) -> list[str]:
    """Namen van de modellen die de Ollama-server heeft; ModelNietBereikbaar als hij niet antwoordt."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/api/tags", timeout=timeout) as r:
            data = json.loads(r.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise ModelNietBereikbaar(f"Ollama antwoordt niet op {url} ({e}).",
                                  "Start Ollama (`ollama serve`) of zet ASSISTENT_OLLAMA_URL goed.") from None
    return [m.get("name", "") for m in data.get("models", [])]


def ollama_heeft(url: str, model: str, timeout: float = 2.0) -> bool:
    """Of de Ollama-server antwoordt en het model heeft (':latest' mag ontbreken)."""
    namen = ollama_modellen(url, timeout)
    return any(n == model or n == f"{model}:latest" or n.split(":")[0] == model for n in namen)


def _ollama(instellingen: dict) -> LLM:
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as e:
        raise BackendOntbreekt("llama-index-llms-ollama is niet geïnstalleerd.",
                               "pip install llama-index-llms-ollama") from e
    url, model = instellingen["ollama_url"], instellingen["ollama_model"]
    if not ollama_heeft(url, model):
        raise ModelNietBereikbaar(f"Ollama op {url} heeft het model '{model}' niet.",
                                  f"Haal het op met `ollama pull {model}` of kies een ander met ASSISTENT_OLLAMA_MODEL.")
    # An explicit context window avoids a /api/show round trip per request.
    return Ollama(model=model, base_url=url, request_timeout=instellingen.get("ollama_timeout_s", 120.0),
                  temperature=0.1, context_window=8192,
                  additional_kwargs={"num_predict": instellingen.get("max_tokens", 400)})


def openai_modellen(url: str, sleutel: str | None = None, timeout: float = 2.0) -> list[str] | None:
    """Model-id's van een OpenAI-compatibele server (GET <url>/models); None als de server die lijst niet kent."""
    verzoek = urllib.request.Request(url.rstrip("/") + "/models",
                                     headers={"Authorization": f"Bearer {sleutel}"} if sleutel else {})
    try:
        with urllib.request.urlopen(verzoek, timeout=timeout) as r:
            data = json.loads(r.read().decode("utf-8"))
    except urllib.error.HTTPError as e:
        if e.code in (401, 403):
            raise ModelNietBereikbaar(f"De server op {url} weigert de API-sleutel (HTTP {e.code}).",
                                      "Zet ASSISTENT_OPENAI_SLEUTEL op de sleutel van die server.") from None
        if e.code == 404 and not url.rstrip("/").endswith("/v1"):
            raise ModelNietBereikbaar(f"Op {url} is geen OpenAI-compatibele API gevonden (HTTP 404).",
                                      "Geef de basis-URL mét /v1, bijvoorbeeld http://127.0.0.1:8080/v1.") from None
        return None  # some servers only implement /chat/completions
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise ModelNietBereikbaar(f"De OpenAI-compatibele server antwoordt niet op {url} ({e}).",
                                  "Start de server of zet ASSISTENT_OPENAI_URL goed (basis-URL mét /v1).") from None
    return [str(m.get("id", "")) for m in data.get("data", []) if isinstance(m, dict)]


def openai_heeft(url: str, model: str, sleutel: str | None = None, timeout: float = 2.0) -> bool:
    """Of de server antwoordt en het model kent (een server zonder modellenlijst telt als ja)."""
    namen = openai_modellen(url, sleutel, timeout)
    return namen is None or model in namen


def _openai(instellingen: dict) -> LLM:
    url, model = instellingen.get("openai_url"), instellingen.get("openai_model")
    if not url or not model:
        raise ConfiguratieFout("Geen OpenAI-compatibele server ingesteld.",
                               "Zet ASSISTENT_OPENAI_URL (basis-URL mét /v1) en ASSISTENT_OPENAI_MODEL, "
                               "of kies --modus extractief.")
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as e:
        raise BackendOntbreekt("llama-index-llms-openai-like is niet geïnstalleerd.",
                               "pip install llama-index-llms-openai-like") from e
    sleutel = instellingen.get("openai_sleutel")
    namen = openai_modellen(url, sleutel)
    if namen is not None and model not in namen:
        raise ModelNietBereikbaar(f"De server op {url} heeft het model '{model}' niet "
                                  f"(wel: {', '.join(namen) or 'geen'}).",
                                  "Zet ASSISTENT_OPENAI_MODEL op een van die namen.")
    # No retries: a server that is away must fall back to the extractive answer at once, not after backoff.
    return OpenAILike(model=model, api_base=url, api_key=sleutel or "geen-sleutel", is_chat_model=True,
                      is_function_calling_model=False, context_window=instellingen.get("openai_context", 8192),
                      max_tokens=instellingen.get("max_tokens", 400), temperature=0.1,
                      timeout=instellingen.get("openai_timeout_s", 120.0), max_retries=0)


# Loading a GGUF costs seconds and hundreds of MB: one instance per file and settings per process.
_LLAMACPP_GELADEN: dict[tuple, LlamaCppLLM] = {}
_LLAMACPP_SLOT = threading.Lock()


def _llamacpp(instellingen: dict) -> LLM:
    gguf = instellingen.get("gguf")
    if not gguf:
        raise ConfiguratieFout("Geen GGUF-bestand ingesteld voor llama.cpp.",
                               "Zet ASSISTENT_GGUF=/pad/naar/model.gguf, of kies --modus extractief of ollama.")
    pad = Path(gguf).expanduser()
    if not pad.is_file():
        raise ConfiguratieFout(f"GGUF-bestand niet gevonden: {gguf}",
                               "Controleer ASSISTENT_GGUF (een bestaand .gguf-bestand), of kies --modus extractief.")
    sleutel = (str(pad.resolve()), instellingen.get("llamacpp_context", 4096), instellingen.get("max_tokens", 400),
               instellingen.get("llamacpp_threads"), instellingen.get("llamacpp_promptcache", True))
    with _LLAMACPP_SLOT:
        if sleutel not in _LLAMACPP_GELADEN:
            llm = LlamaCppLLM(str(pad), context_window=sleutel[1], max_tokens=sleutel[2], threads=sleutel[3],
                              prompt_cache=sleutel[4])
            if sleutel[4]:
                llm.warm(_vaste_prefix(instellingen.get("gestructureerd", True)))
            _LLAMACPP_GELADEN[sleutel] = llm
        return _LLAMACPP_GELADEN[sleutel]


def _vaste_prefix(gestructureerd: bool) -> list[ChatMessage]:
    """Een prompt die met de vaste prefix van elke vraag begint (systeemprompt, dan 'Passages:')."""
    from assistent.taalmodel import prompt_berichten

    return prompt_berichten("", [], "nl", gestructureerd=gestructureerd)


LLMS: dict[str, Callable[[dict], LLM]] = {
    "openai": _openai,
    "ollama": _ollama,
    "llamacpp": _llamacpp,
    "nep": lambda instellingen: NepLLM(instellingen.get("nep_antwoorden", ())),
}


def maak_llm(naam: str, instellingen: dict) -> LLM:
    """Taalmodel uit het register; fouten zeggen hoe je het oplost."""
    fabriek = LLMS.get(naam)
    if fabriek is None:
        raise ConfiguratieFout(f"Onbekend taalmodel '{naam}'.", f"Kies uit: auto, extractief, {', '.join(LLMS)}.")
    return fabriek(instellingen)
