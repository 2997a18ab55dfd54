"""JSON-lines-bestanden van de evaluatie lezen, met fouten per regel."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from assistent.fouten import ConfiguratieFout

T = TypeVar("T")


def lees_jsonl(pad: Path, wat: str, maak: Callable[[dict], T], oplossing_bestand: str, oplossing_regel: str) -> list[T]:
    """Eén object per niet-lege regel via `maak`; een onleesbaar bestand of een foute regel geeft ConfiguratieFout."""
    try:
        regels = Path(pad).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfiguratieFout(f"{wat} {pad} is niet te lezen ({e.strerror}).", oplossing_bestand) from None
    uit: list[T] = []
    for nr, regel in enumerate(regels, start=1):
        if not regel.strip():
            continue
        try:
            uit.append(maak(json.loads(regel)))
        except ValueError as e:  # json errors and pydantic's ValidationError alike
            eerste = " ".join(str(e).splitlines()[0:3])
            raise ConfiguratieFout(f"Regel {nr} van {pad} is ongeldig: {eerste}", oplossing_regel) from None
    return uit
