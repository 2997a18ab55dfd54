"""Hulp voor de tests: de OpenAI-compatibele server van llama-cpp-python (`python -m llama_cpp.server`) op loopback."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from appserver import vrije_poort


class LlamaCppServer:
    """Echte llama_cpp.server als subproces; start, stop en weer start op dezelfde poort."""

    def __init__(self, gguf: Path, alias: str, context: int = 2048, threads: int = 1, log: Path | None = None):
        self.gguf, self.alias, self.context, self.threads = gguf, alias, context, threads
        self.poort = vrije_poort()
        self.log = log
        self._proces: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """Basis-URL mét /v1, zoals de officiële client en ASSISTENT_OPENAI_URL die nemen."""
        return f"http://127.0.0.1:{self.poort}/v1"

    def start(self, wacht_s: float = 180.0) -> "LlamaCppServer":
        if self._proces is not None and self._proces.poll() is None:
            return self
        opdracht = [sys.executable, "-m", "llama_cpp.server", "--model", str(self.gguf), "--model_alias", self.alias,
                    "--host", "127.0.0.1", "--port", str(self.poort), "--n_ctx", str(self.context),
                    "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        uit = open(self.log, "ab") if self.log else subprocess.DEVNULL
        self._proces = subprocess.Popen(opdracht, stdout=uit, stderr=subprocess.STDOUT, env=os.environ.copy())
        eind = time.monotonic() + wacht_s
        while time.monotonic() < eind:
            if self._proces.poll() is not None:
                raise RuntimeError(f"llama_cpp.server stopte meteen (code {self._proces.returncode}); zie {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/models", timeout=1) as r:
                    if json.loads(r.read())["data"]:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("llama_cpp.server kwam niet op")

    def stop(self) -> None:
        if self._proces is None:
            return
        self._proces.terminate()
        try:
            self._proces.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._proces.kill()
            self._proces.wait(timeout=5)
        self._proces = None
