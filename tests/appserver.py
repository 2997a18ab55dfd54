"""Hulp voor de tests: app.py laden en de app op een vrije loopbackpoort draaien met echte uvicorn."""

import importlib.util
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parent.parent


def app_module():
    """app.py uit de repo-root (geen pakketmodule, dus via zijn pad)."""
    spec = importlib.util.spec_from_file_location("wijkassistent_app", ROOT / "app.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def vrije_poort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def draai(app):
    """Echte uvicorn-server in een thread; levert de basis-URL en stopt netjes."""
    poort = vrije_poort()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=poort, log_level="warning"))
    draad = threading.Thread(target=server.run, daemon=True)
    draad.start()
    eind = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > eind or not draad.is_alive():
            raise RuntimeError("uvicorn startte niet")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{poort}"
    finally:
        server.should_exit = True
        draad.join(timeout=10)
