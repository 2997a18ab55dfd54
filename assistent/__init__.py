"""Wijkassistent: antwoorden met bronvermelding over Verduurzaming van Kwetsbare Wijken."""

import os as _os

# Nothing may phone home: set before chromadb, gradio or huggingface are imported anywhere.
for _naam, _waarde in {
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    _os.environ.setdefault(_naam, _waarde)

__version__ = "0.1.0"
