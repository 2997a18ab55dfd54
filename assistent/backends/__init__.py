"""Registers van embedders en taalmodellen: naam → fabriek, met lui importeren en een installatiehint."""

from assistent.backends.embedders import EMBEDDERS, maak_embedder
from assistent.backends.llms import LLMS, maak_llm

__all__ = ["EMBEDDERS", "LLMS", "maak_embedder", "maak_llm"]
