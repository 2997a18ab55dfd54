"""Start Wijkassistent: één proces met de HTTP-API en de Gradio-chat (`python app.py [--host] [--port]`)."""

import argparse
import logging
import signal
import sys

import assistent  # noqa: F401  (sets the offline environment: no telemetry, no analytics, hub offline)

log = logging.getLogger("wijkassistent")


def bouw_app(dienst, instellingen):
    """FastAPI-app met de API-routes en de chat op '/', beide over dezelfde dienst."""
    import gradio as gr

    from assistent.api import maak_api
    from assistent.ui import maak_ui, mount_opties

    app = maak_api(dienst, instellingen)
    # API routes are registered first, so the Gradio mount at "/" does not shadow them.
    return gr.mount_gradio_app(app, maak_ui(dienst), path="/", ssr_mode=False, footer_links=["api"],
                               show_error=True, **mount_opties())


def main(argv: list[str] | None = None) -> int:
    from assistent.config import Instellingen

    p = argparse.ArgumentParser(description="Wijkassistent: chat en API in één proces.")
    p.add_argument("--host", help="adres om op te luisteren (standaard ASSISTENT_HOST of 127.0.0.1)")
    p.add_argument("--port", type=int, help="poort (standaard ASSISTENT_PORT of 7860)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for lawaai in ("httpx", "chromadb", "bm25s", "urllib3"):
        logging.getLogger(lawaai).setLevel(logging.WARNING)

    import uvicorn

    from assistent.dienst import Dienst
    from assistent.fouten import AssistentFout

    instellingen = Instellingen()
    host = args.host or instellingen.host
    port = args.port or instellingen.port
    try:
        dienst = Dienst(instellingen)
        samenvatting = dienst.zorg_voor_index(voortgang=True)
        if samenvatting is not None:
            log.info("Index gebouwd: %s pagina's, %s fragmenten.", samenvatting.paginas, samenvatting.fragmenten)
        # Load the embedder and search structures now, not on the first question.
        dienst.zoek("aanbevelingen", k=1)
        status = dienst.status()
    except AssistentFout as e:
        print(f"Fout: {e.melding}", file=sys.stderr)
        if e.oplossing:
            print(f"Oplossing: {e.oplossing}", file=sys.stderr)
        return 2
    modus = status["modus"]
    log.info("Antwoordmodus: %s", "zonder taalmodel (antwoorden uit de bronnen)" if modus == "extractief" else modus)
    log.info("Index: %s publicaties, %s pagina's (%s).", status["index"]["publicaties"], status["index"]["paginas"],
             status["index"]["locatie"])
    if instellingen.api_sleutel:
        log.info("API-sleutel staat aan: API en chat vragen om de sleutel.")
    app = bouw_app(dienst, instellingen)
    toon = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
    log.info("Open de chat op http://%s:%s/  ·  API: http://%s:%s/docs", toon, port, toon, port)
    # uvicorn catches SIGINT/SIGTERM, finishes running requests, then re-raises the signal; ending up here
    # turns that into a normal exit (code 0) instead of death by signal.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stop)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    try:
        server.run()
    except SystemExit:
        pass
    log.info("Wijkassistent is gestopt.")
    return 0


def _stop(sig, frame):
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main())
