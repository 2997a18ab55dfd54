"""Lokale stand-in voor een Ollama-server: de endpoints die de client gebruikt, met instelbare antwoorden."""

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Antwoord = str | Callable[[list[dict]], str]


class NepOllama:
    """HTTP-server met /api/tags, /api/chat (NDJSON-stream of één JSON), /api/show en /api/version.

    `stop()` laat de server echt wegvallen (verbinding geweigerd); `start()` brengt hem terug op dezelfde poort.
    Antwoorden komen uit een wachtrij (tekst, of een functie van de berichten); daarna `standaard`.
    `breek_af_na` = n laat een stream na n stukjes de verbinding verbreken; `vertraging_s` wacht per stukje.
    """

    def __init__(self, modellen: Iterable[str] = ("gemma3:4b",), antwoorden: Iterable[Antwoord] = (),
                 standaard: str = "Dat kan ik niet terugvinden in de publicaties van het programma.",
                 poort: int = 0, vertraging_s: float = 0.0):
        self.modellen = list(modellen)
        self.standaard = standaard
        self.vertraging_s = vertraging_s
        self.breek_af_na: int | None = None
        self.verzoeken: list[dict] = []
        self._wachtrij: deque[Antwoord] = deque(antwoorden)
        self._poort = poort
        self._server: ThreadingHTTPServer | None = None
        self._draad: threading.Thread | None = None
        self._slot = threading.Lock()

    # ----- lifecycle -----

    @property
    def url(self) -> str:
        """Basis-URL, geldig ook als de server even uit staat."""
        if not self._poort:
            raise RuntimeError("De server is nog nooit gestart; de poort is nog onbekend.")
        return f"http://127.0.0.1:{self._poort}"

    @property
    def draait(self) -> bool:
        return self._server is not None

    def start(self) -> "NepOllama":
        """Starten (of terugkomen op dezelfde poort)."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", self._poort), _maak_handler(self))
        server.daemon_threads = True
        self._poort = server.server_address[1]
        self._server = server
        self._draad = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._draad.start()
        return self

    def stop(self) -> None:
        """Wegvallen: de poort sluit, nieuwe verbindingen worden geweigerd."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._draad is not None:
            self._draad.join(timeout=5)
            self._draad = None

    def __enter__(self) -> "NepOllama":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- answers -----

    def zet_in_rij(self, *antwoorden: Antwoord) -> None:
        """Volgende antwoorden klaarzetten."""
        with self._slot:
            self._wachtrij.extend(antwoorden)

    def leeg(self) -> None:
        """Wachtrij, opgenomen verzoeken en storingen wissen."""
        with self._slot:
            self._wachtrij.clear()
            self.verzoeken.clear()
            self.breek_af_na = None

    def chatverzoeken(self) -> list[dict]:
        """De lichamen van alle /api/chat-verzoeken."""
        return [v["body"] for v in self.verzoeken if v["pad"] == "/api/chat"]

    def _antwoord_voor(self, berichten: list[dict]) -> str:
        with self._slot:
            a = self._wachtrij.popleft() if self._wachtrij else self.standaard
        return a(berichten) if callable(a) else a


def _nu() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def _stukjes(tekst: str) -> list[str]:
    """Tekst in token-achtige stukjes (woord plus spatie), zoals Ollama hem streamt."""
    delen = tekst.split(" ")
    return [d + (" " if i < len(delen) - 1 else "") for i, d in enumerate(delen)]


def _maak_handler(nep: NepOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 with chunked streams, like Ollama: a dropped connection is then a visible error to the client.
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def _json(self, status: int, data: dict) -> None:
            lichaam = json.dumps(data).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(lichaam)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(lichaam)

        def _lees(self) -> dict:
            n = int(self.headers.get("Content-Length") or 0)
            ruw = self.rfile.read(n) if n else b""
            try:
                return json.loads(ruw or b"{}")
            except ValueError:
                return {}

        def _model_bekend(self, naam: str) -> bool:
            return any(naam in (m, m.split(":")[0]) or f"{naam}:latest" == m for m in nep.modellen)

        def do_GET(self) -> None:
            nep.verzoeken.append({"pad": self.path, "body": None})
            if self.path == "/api/tags":
                self._json(200, {"models": [
                    {"name": m, "model": m, "modified_at": _nu(), "size": 1, "digest": "0" * 64,
                     "details": {"format": "gguf", "family": m.split(":")[0], "parameter_size": "4B",
                                 "quantization_level": "Q4_K_M"}} for m in nep.modellen]})
            elif self.path == "/api/version":
                self._json(200, {"version": "0.0.0-nep"})
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:
            body = self._lees()
            nep.verzoeken.append({"pad": self.path, "body": body})
            if self.path == "/api/show":
                if not self._model_bekend(body.get("model", "")):
                    self._json(404, {"error": f"model '{body.get('model')}' not found"})
                else:
                    self._json(200, {"modelfile": "", "parameters": "", "template": "",
                                     "details": {"format": "gguf"}, "model_info": {"nep.context_length": 8192}})
                return
            if self.path != "/api/chat":
                self._json(404, {"error": "not found"})
                return
            model = body.get("model", "")
            if not self._model_bekend(model):
                self._json(404, {"error": f"model '{model}' not found, try pulling it first"})
                return
            tekst = nep._antwoord_voor(body.get("messages", []))
            if body.get("stream", True) is False:
                self._json(200, {"model": model, "created_at": _nu(),
                                 "message": {"role": "assistant", "content": tekst},
                                 "done": True, "done_reason": "stop", "total_duration": 1, "load_duration": 1,
                                 "prompt_eval_count": 10, "prompt_eval_duration": 1,
                                 "eval_count": len(_stukjes(tekst)), "eval_duration": 1})
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            stukjes = _stukjes(tekst)
            for i, s in enumerate(stukjes):
                if nep.breek_af_na is not None and i >= nep.breek_af_na:
                    # Drop the connection mid-answer, as a crashing server would.
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if nep.vertraging_s:
                    time.sleep(nep.vertraging_s)
                regel = {"model": model, "created_at": _nu(), "message": {"role": "assistant", "content": s},
                         "done": False}
                self._stuk(json.dumps(regel) + "\n")
            slot = {"model": model, "created_at": _nu(), "message": {"role": "assistant", "content": ""},
                    "done": True, "done_reason": "stop", "total_duration": 1, "load_duration": 1,
                    "prompt_eval_count": 10, "prompt_eval_duration": 1, "eval_count": len(stukjes),
                    "eval_duration": 1}
            self._stuk(json.dumps(slot) + "\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _stuk(self, tekst: str) -> None:
            data = tekst.encode("utf-8")
            self.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
            self.wfile.flush()

    return Handler
