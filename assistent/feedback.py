"""Feedback op antwoorden (👍/👎) als JSON-regels, en `assistent feedback --naar-evals`."""

import json
import os
import re
import sys
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from assistent.citaten import Citaat

try:  # POSIX: a lock that also holds across processes (app + CLI at the same time)
    import fcntl
except ImportError:  # pragma: no cover - Windows: only the in-process lock
    fcntl = None

BESTAND = "feedback.jsonl"
_PROCES_SLOT = threading.Lock()


class FeedbackInvoer(BaseModel):
    """Wat een gebruiker over een antwoord zegt (zonder id en tijd)."""

    vraag: str = Field(description="De gestelde vraag.")
    antwoord: str = Field("", description="Het gegeven antwoord.")
    citaten: list[Citaat] = Field(default_factory=list, description="De citaten bij het antwoord.")
    modus: str = Field("", description="Welke antwoorder antwoordde.")
    oordeel: Literal["goed", "slecht"] = Field(description="goed (👍) of slecht (👎).")
    toelichting: str = Field("", max_length=4000, description="Optionele toelichting van de gebruiker.")
    gesprek: list[dict] | None = Field(None, description="Eerdere beurten, als de vraag een vervolgvraag was.")
    bron: str | None = Field(None, description="Het bronfilter dat bij het antwoord aan stond (id), of null.")
    aanbeveling: int | None = Field(None, ge=1, le=7, strict=True,
                                    description="Het aanbevelingsfilter (1–7) dat bij het antwoord aan stond, of null.")

    @field_validator("vraag", "antwoord", "toelichting", "bron")
    @classmethod
    def _geldige_tekens(cls, tekst: str | None) -> str | None:
        # A lone surrogate cannot be written as UTF-8; refuse it here instead of failing when saving.
        if tekst and re.search(r"[\ud800-\udfff]", tekst):
            raise ValueError("bevat een ongeldig teken (een losse UTF-16-surrogaat); stuur geldige Unicode")
        return tekst


class Feedback(FeedbackInvoer):
    """Eén opgeslagen oordeel over een antwoord."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12],
                    description="Id van de feedback; een latere regel met dezelfde id vervangt de eerdere.")
    tijd: str = Field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      description="Moment (UTC, ISO 8601).")


class FeedbackOpslag:
    """Feedback als JSON-regels in één bestand; gelijktijdige schrijvers lopen elkaar niet door elkaar."""

    def __init__(self, map_: Path):
        self.map = Path(map_)
        self.pad = self.map / BESTAND

    @contextmanager
    def _slot(self, f):
        with _PROCES_SLOT:
            if fcntl:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl:
                    fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def bewaar(self, fb: Feedback) -> Feedback:
        """Eén regel toevoegen (in één write, onder slot)."""
        self.map.mkdir(parents=True, exist_ok=True)
        regel = (json.dumps(fb.model_dump(mode="json"), ensure_ascii=False) + "\n").encode("utf-8")
        with open(self.pad, "ab") as f, self._slot(f):
            f.write(regel)
            f.flush()
            os.fsync(f.fileno())
        return fb

    def alles(self) -> list[Feedback]:
        """Alle feedback, per id de laatste versie, in volgorde van eerste verschijnen."""
        if not self.pad.is_file():
            return []
        per_id: dict[str, Feedback] = {}
        with open(self.pad, "rb") as f, self._slot(f):
            data = f.read().decode("utf-8")
        for regel in data.splitlines():
            if not regel.strip():
                continue
            try:
                fb = Feedback.model_validate_json(regel)
            except ValueError:  # a hand-edited or truncated line must not hide the rest
                continue
            per_id[fb.id] = fb
        return list(per_id.values())


def naar_evals(feedback: list[Feedback]) -> list[dict]:
    """👎-feedback als concept-evalgevallen (verwachte passages en feiten vult een mens in)."""
    uit = []
    for fb in feedback:
        if fb.oordeel != "slecht":
            continue
        geval: dict = {"id": f"feedback-{fb.id}", "vraag": fb.vraag}
        if fb.gesprek:
            geval["gesprek"] = fb.gesprek
        geval |= {"verwachte_passages": [], "feiten": [], "buiten_bronnen": False}
        uit.append(geval)
    return uit


def cmd_feedback(args) -> int:
    from assistent.config import Instellingen

    opslag = FeedbackOpslag(Path(args.map) if args.map else Instellingen().feedback)
    alles = opslag.alles()
    if not args.naar_evals:
        goed = sum(fb.oordeel == "goed" for fb in alles)
        print(f"{len(alles)} keer feedback in {opslag.pad}: {goed} 👍, {len(alles) - goed} 👎.")
        return 0
    regels = "".join(json.dumps(g, ensure_ascii=False) + "\n" for g in naar_evals(alles))
    if args.uit:
        Path(args.uit).parent.mkdir(parents=True, exist_ok=True)
        Path(args.uit).write_text(regels, encoding="utf-8")
        print(f"{regels.count(chr(10))} concept-evalgevallen geschreven naar {args.uit}.", file=sys.stderr)
    else:
        sys.stdout.write(regels)
    return 0


def registreer(sub) -> None:
    """Subcommando `feedback` aan de CLI toevoegen."""
    s = sub.add_parser("feedback", help="verzamelde feedback tellen of 👎 omzetten naar concept-evalgevallen")
    s.add_argument("--naar-evals", action="store_true", help="👎-antwoorden als concept-evalgevallen (JSON-regels)")
    s.add_argument("--uit", help="schrijf naar dit bestand in plaats van naar stdout")
    s.add_argument("--map", help="feedbackmap (standaard ASSISTENT_FEEDBACK)")
    s.set_defaults(func=cmd_feedback)
