"""HTTP-API (FastAPI): vragen, stromen, OpenAI-compatibel, bronnen, status en feedback."""

import base64
import hmac
import html
import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

import assistent
from assistent.antwoord import Antwoord
from assistent.citaten import Citaat, als_tekst
from assistent.config import Instellingen
from assistent.dienst import PUBLIEKE_MODI, Dienst, Gebeurtenis
from assistent.feedback import Feedback, FeedbackInvoer, FeedbackOpslag
from assistent.fouten import AssistentFout, ConfiguratieFout, OngeldigeVraag

log = logging.getLogger(__name__)

KOEKJE = "wijkassistent_sleutel"
# Paths for programs (JSON answers on 401); everything else is the browser UI (Basic-auth prompt on 401).
API_PADEN = ("/api/", "/v1/", "/openapi.json", "/docs")
VELDEN = {"vraag", "antwoord", "gevonden", "modus", "citaten", "duur_s", "melding"}


# ---------------- schemas ----------------

class Beurt(BaseModel):
    """Eén eerdere beurt in het gesprek."""

    rol: Literal["gebruiker", "assistent"] = Field(description="Wie sprak: gebruiker of assistent.")
    tekst: str = Field(description="Wat er gezegd werd.")


class VraagVerzoek(BaseModel):
    """Een vraag, eventueel met eerdere beurten en filters."""

    vraag: str = Field(description="De vraag in gewone taal (Nederlands of Engels).",
                       examples=["Wat zijn de zeven aanbevelingen?"])
    gesprek: list[Beurt] | None = Field(None, description="Eerdere beurten, voor vervolgvragen.")
    bron: str | None = Field(None, description="Alleen in deze bron zoeken (id uit GET /api/v1/bronnen).")
    aanbeveling: int | None = Field(None, ge=1, le=7, description="Alleen passages bij aanbeveling 1–7.")
    modus: Literal["auto", "extractief", "openai", "ollama", "llamacpp"] | None = Field(
        None, description="Antwoorder; leeg of auto: het beste wat beschikbaar is.")


class AntwoordUit(BaseModel):
    """Een antwoord met citaten; hetzelfde contract als `assistent vraag --json`."""

    vraag: str = Field(description="De vraag.")
    antwoord: str = Field(description="Het antwoord met markers [n] die naar de citaten verwijzen.")
    gevonden: bool = Field(description="Of de bronnen het antwoord bevatten (anders een weigering).")
    modus: str = Field(description="Welke antwoorder antwoordde: extractief, ollama:<model>, llamacpp:<bestand>.")
    citaten: list[Citaat] = Field(description="De bronvermeldingen bij de markers.")
    duur_s: float = Field(description="Hoe lang het antwoord duurde, in seconden.")
    melding: str | None = Field(None, description="Bijvoorbeeld: teruggevallen op antwoorden zonder taalmodel.")


class FeedbackIn(FeedbackInvoer):
    """Een oordeel over een antwoord."""

    gesprek: list[Beurt] | None = Field(None, description="Eerdere beurten.")


class FeedbackUit(BaseModel):
    """Bevestiging van opgeslagen feedback."""

    id: str = Field(description="Id van de opgeslagen feedback.")


class Fout(BaseModel):
    """Een fout: wat er mis is en hoe je het oplost."""

    fout: str = Field(description="Wat er mis is.")
    oplossing: str = Field("", description="Hoe je het oplost.")


class ChatBericht(BaseModel):
    """Een bericht in OpenAI-vorm."""

    role: str = Field(description="system, user of assistant.")
    content: str | list[dict[str, Any]] | None = Field(None, description="Tekst, of een lijst van tekstdelen.")


class ChatVerzoek(BaseModel):
    """Verzoek in de vorm van OpenAI's /v1/chat/completions; extra velden bron en aanbeveling zijn optioneel."""

    model: str = Field("wijkassistent", description="Een id uit GET /v1/models: 'wijkassistent' (de beste beschikbare "
                                                     "modus) of 'wijkassistent-<modus>' (extractief, openai, ollama, "
                                                     "llamacpp).")
    messages: list[ChatBericht] = Field(min_length=1, description="Het gesprek; het laatste gebruikersbericht is de vraag.")
    stream: bool = Field(False, description="Antwoord als server-sent events.")
    bron: str | None = Field(None, description="Alleen in deze bron zoeken.")
    aanbeveling: int | None = Field(None, ge=1, le=7, description="Alleen passages bij aanbeveling 1–7.")


# ---------------- helpers ----------------

MODEL = "wijkassistent"
GEEN_TOKENS = ("Extractief antwoord: zinnen uit de bronnen, zonder taalmodel; er zijn geen tokens verwerkt.")


def model_id(modus: str) -> str:
    """Het OpenAI-model-id van een modus: 'wijkassistent' voor auto, anders 'wijkassistent-<modus>'."""
    return MODEL if modus == "auto" else f"{MODEL}-{modus}"


def modus_van_model(model: str) -> str | None:
    """De modus bij een model-id (ook de kale modusnaam); None als het model niet bestaat."""
    m = model.strip().lower()
    m = "auto" if m == MODEL else m.removeprefix(f"{MODEL}-")
    return m if m in PUBLIEKE_MODI else None


def _model_onbekend(model: str) -> JSONResponse:
    melding = f"Het model '{model}' bestaat niet."
    oplossing = f"Kies een id uit GET /v1/models, bijvoorbeeld '{MODEL}' of '{MODEL}-extractief'."
    return JSONResponse({"error": {"message": f"{melding} {oplossing}", "type": "invalid_request_error",
                                   "param": "model", "code": "model_not_found"},
                         "fout": melding, "oplossing": oplossing}, status_code=404)


def _gebruik(a: Antwoord) -> dict:
    """OpenAI's usage: de getelde tokens als een model antwoordde; nul met de reden bij een extractief antwoord."""
    if a.tokens:
        uit = {k: int(a.tokens.get(k, 0)) for k in ("prompt_tokens", "completion_tokens")}
        uit["total_tokens"] = uit["prompt_tokens"] + uit["completion_tokens"]
        if a.modus.startswith("extractief"):
            uit["toelichting"] = ("Tokens van het taalmodel; zijn antwoord werd niet door de bronnen gedragen, "
                                  "de tekst is extractief.")
        return uit
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "toelichting": GEEN_TOKENS}

def _fout(status: int, melding: str, oplossing: str = "", headers: dict | None = None) -> JSONResponse:
    # 'error' lets OpenAI-style clients show the Dutch message too.
    return JSONResponse({"fout": melding, "oplossing": oplossing,
                         "error": {"message": melding, "type": "invalid_request_error", "code": status}},
                        status_code=status, headers=headers)


def als_uit(a: Antwoord) -> dict:
    """Het JSON-contract van een antwoord."""
    return a.model_dump(mode="json", include=VELDEN)


def sleutel_uit(headers: Headers, cookies: str | None = None) -> str | None:
    """De meegegeven API-sleutel: Bearer, X-API-Key, Basic-wachtwoord of koekje."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    if auth.lower().startswith("basic "):
        try:
            return base64.b64decode(auth[6:]).decode("utf-8").partition(":")[2]
        except ValueError:
            return None
    if headers.get("x-api-key"):
        return headers["x-api-key"]
    for deel in (cookies or headers.get("cookie", "")).split(";"):
        naam, _, waarde = deel.strip().partition("=")
        if naam == KOEKJE:
            return waarde
    return None


class Poortwachter:
    """ASGI-middleware: API-sleutel (als ingesteld) en maximale grootte van het verzoek."""

    def __init__(self, app, sleutel: str | None, max_bytes: int):
        self.app, self.sleutel, self.max_bytes = app, sleutel, max_bytes

    def _geldig(self, gegeven: str | None) -> bool:
        return gegeven is not None and hmac.compare_digest(gegeven.encode(), self.sleutel.encode())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        pad = scope.get("path", "")
        api = pad.startswith(API_PADEN)
        if self.sleutel and scope["method"] != "OPTIONS" and not self._geldig(sleutel_uit(headers)):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            if not api and self._geldig((query.pop("sleutel", [None]))[0]):
                # Key in the link (iframe src): remember it in a cookie and drop it from the address bar.
                rest = urlencode(query, doseq=True)
                antwoord = RedirectResponse(pad + (f"?{rest}" if rest else ""), status_code=303)
                antwoord.set_cookie(KOEKJE, self.sleutel, httponly=True, samesite="lax")
                return await antwoord(scope, receive, send)
            if api:
                antwoord = _fout(401, "Geen of een verkeerde API-sleutel.",
                                 "Stuur de sleutel mee als 'Authorization: Bearer <sleutel>' of 'X-API-Key'.",
                                 {"WWW-Authenticate": "Bearer"})
            else:
                antwoord = HTMLResponse("<p>Wijkassistent vraagt om de toegangssleutel (als wachtwoord; de "
                                        "gebruikersnaam maakt niet uit), of open de link met ?sleutel=….</p>",
                                        status_code=401, headers={"WWW-Authenticate": 'Basic realm="Wijkassistent"'})
            return await antwoord(scope, receive, send)
        if scope["method"] in ("POST", "PUT", "PATCH"):
            lengte = headers.get("content-length")
            if lengte is not None:
                if not lengte.isdigit() or int(lengte) > self.max_bytes:
                    return await self._te_groot(scope, receive, send)
            else:  # chunked: read up to the limit first, then replay
                delen, totaal = [], 0
                while True:
                    bericht = await receive()
                    if bericht["type"] != "http.request":
                        break
                    delen.append(bericht.get("body", b""))
                    totaal += len(delen[-1])
                    if totaal > self.max_bytes:
                        return await self._te_groot(scope, receive, send)
                    if not bericht.get("more_body"):
                        break
                body = b"".join(delen)
                verstuurd = False

                async def opnieuw():
                    nonlocal verstuurd
                    if not verstuurd:
                        verstuurd = True
                        return {"type": "http.request", "body": body, "more_body": False}
                    return await receive()

                return await self.app(scope, opnieuw, send)
        return await self.app(scope, receive, send)

    async def _te_groot(self, scope, receive, send):
        await _fout(413, f"Het verzoek is te groot (maximaal {self.max_bytes} bytes).",
                    "Stuur een kortere vraag of een korter gesprek.")(scope, receive, send)


def _sse(soort: str, data: Any) -> str:
    return f"event: {soort}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _brokken(tekst: str) -> Iterator[str]:
    """Tekst in woordstukjes, om een antwoord zonder taalmodel toch als stroom te geven."""
    yield from re.findall(r"\S+\s*|\s+", tekst)


def _tekst_van(content: str | list[dict] | None) -> str:
    if isinstance(content, list):
        return "".join(str(d.get("text", "")) for d in content if d.get("type", "text") == "text")
    return content or ""


def _docs_html(schema: dict) -> str:
    """Een eenvoudige, offline leesbare API-beschrijving (Swagger UI zou van een CDN laden)."""
    delen = [f"<h1>{html.escape(schema['info']['title'])} {html.escape(schema['info']['version'])}</h1>",
             f"<p>{html.escape(schema['info'].get('description', ''))}</p>",
             '<p>Het volledige schema: <a href="openapi.json">openapi.json</a> (te laden in elke OpenAPI-viewer).</p>']
    for pad, methoden in schema.get("paths", {}).items():
        for methode, op in methoden.items():
            delen.append(f"<h2><code>{methode.upper()} {html.escape(pad)}</code></h2>"
                         f"<p><b>{html.escape(op.get('summary', ''))}</b></p>"
                         f"<p>{html.escape(op.get('description', '')).replace(chr(10), '<br>')}</p>")
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" in body:
                delen.append(f"<p>Verzoek: <a href='#{body['$ref'].rsplit('/', 1)[1]}'>"
                             f"{body['$ref'].rsplit('/', 1)[1]}</a></p>")
    delen.append("<h2>Schema's</h2>")
    for naam, s in schema.get("components", {}).get("schemas", {}).items():
        velden = "".join(f"<li><code>{html.escape(v)}</code>: {html.escape(str(d.get('description', '')))}</li>"
                         for v, d in s.get("properties", {}).items())
        delen.append(f"<h3 id='{html.escape(naam)}'>{html.escape(naam)}</h3>"
                     f"<p>{html.escape(s.get('description', ''))}</p><ul>{velden}</ul>")
    return ("<!doctype html><html lang='nl'><meta charset='utf-8'><meta name='viewport' "
            "content='width=device-width,initial-scale=1'><title>Wijkassistent API</title><style>body{font-family:"
            "system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.5}code{background:#eee;"
            "padding:0 .2em}</style><body>" + "".join(delen) + "</body></html>")


def _pagina_html(titel: str, document: str, pagina: int, totaal: int, tekst: str, markeer: str) -> str:
    inhoud = html.escape(tekst)
    if markeer:
        # Highlight each quoted sentence (the UI joins several with ' … ').
        for stuk in sorted({s.strip() for s in markeer.split("…") if len(s.strip()) > 3}, key=len, reverse=True):
            inhoud = inhoud.replace(html.escape(stuk), f"<mark>{html.escape(stuk)}</mark>")
        # The chat links to #markering: the browser scrolls straight to the quote.
        inhoud = inhoud.replace("<mark>", "<mark id='markering'>", 1)
    nav = []
    if pagina > 1:
        nav.append(f"<a href='{pagina - 1}'>← pagina {pagina - 1}</a>")
    if pagina < totaal:
        nav.append(f"<a href='{pagina + 1}'>pagina {pagina + 1} →</a>")
    return ("<!doctype html><html lang='nl'><meta charset='utf-8'><meta name='viewport' "
            "content='width=device-width,initial-scale=1'>"
            f"<title>{html.escape(titel)}, p. {pagina}</title><style>body{{font-family:system-ui,sans-serif;"
            "max-width:48rem;margin:auto;padding:1rem;line-height:1.6}pre{white-space:pre-wrap;font-family:inherit}"
            "mark{background:#ffe58a}</style><body>"
            f"<h1>{html.escape(titel)}</h1><p>Pagina {pagina} van {totaal} · bron <code>{html.escape(document)}</code>"
            f"</p><nav>{' · '.join(nav)}</nav><pre id='pagina'>{inhoud}</pre><nav>{' · '.join(nav)}</nav></body></html>")


# ---------------- app ----------------

def maak_api(dienst: Dienst, instellingen: Instellingen) -> FastAPI:
    """De FastAPI-app met alle API-routes, sleutelcontrole, limieten en CORS."""
    app = FastAPI(
        title="Wijkassistent", version=assistent.__version__, docs_url=None, redoc_url=None,
        description="Antwoorden met bronvermelding uit de publicaties van het experimentenprogramma "
                    "Verduurzaming van Kwetsbare Wijken. Met een API-sleutel (ASSISTENT_API_SLEUTEL): stuur "
                    "'Authorization: Bearer <sleutel>' of 'X-API-Key: <sleutel>' mee.",
    )
    opslag = FeedbackOpslag(instellingen.feedback)
    fouten = {401: {"model": Fout, "description": "Geen of verkeerde API-sleutel."},
              413: {"model": Fout, "description": "Verzoek te groot."},
              422: {"model": Fout, "description": "Ongeldige vraag of ongeldige JSON."}}

    @app.exception_handler(AssistentFout)
    async def _assistentfout(request: Request, e: AssistentFout):
        return _fout(e.http_status, e.melding, e.oplossing)

    @app.exception_handler(RequestValidationError)
    async def _validatie(request: Request, e: RequestValidationError):
        fouten_ = e.errors()
        if any(f.get("type") == "json_invalid" for f in fouten_):
            return _fout(422, "Het verzoek is geen geldige JSON.", "Stuur een JSON-object, bijvoorbeeld "
                                                                    '{"vraag": "Wat zijn de zeven aanbevelingen?"}.')
        regels = [f"{'.'.join(str(x) for x in f.get('loc', ()) if x != 'body') or 'verzoek'}: {f.get('msg', '')}"
                  for f in fouten_[:5]]
        return _fout(422, "Het verzoek is ongeldig: " + "; ".join(regels), "Zie /docs voor de velden.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException):
        melding = {404: "Niet gevonden.", 405: "Deze methode kan hier niet."}.get(e.status_code, str(e.detail))
        return _fout(e.status_code, melding)

    @app.post("/api/v1/vraag", response_model=AntwoordUit, responses=fouten, tags=["vragen"],
              summary="Een vraag beantwoorden")
    def vraag(v: VraagVerzoek) -> dict:
        """Beantwoordt een vraag met citaten uit de publicaties (hetzelfde contract als `assistent vraag --json`)."""
        a = dienst.vraag(v.vraag, _gesprek(v.gesprek), v.bron, v.aanbeveling, v.modus)
        return als_uit(a)

    @app.post("/api/v1/vraag/stream", responses=fouten, tags=["vragen"], summary="Een vraag beantwoorden als stroom",
              response_class=StreamingResponse)
    async def vraag_stream(v: VraagVerzoek):
        """Server-sent events: `token` (tekst van het model, voorlopig), `melding`, en tot slot `klaar` met het
        gecontroleerde antwoord (zelfde vorm als POST /api/v1/vraag); bij een fout onderweg `fout`.
        Toon na `klaar` de tekst uit `klaar`: de claimcontrole kan zinnen uit de voorlopige tekst weghalen."""
        stroom = dienst.vraag_stream(v.vraag, _gesprek(v.gesprek), v.bron, v.aanbeveling, v.modus)
        # The first step validates the question; errors there become a normal 4xx, not a broken stream.
        eerste = await run_in_threadpool(next, stroom)

        def gebeurtenissen() -> Iterator[str]:
            getokend = False
            try:
                for g in _met_eerste(eerste, stroom):
                    if g.soort == "token":
                        getokend = True
                        yield _sse("token", {"tekst": g.tekst})
                    elif g.soort == "melding":
                        yield _sse("melding", {"tekst": g.tekst})
                    elif g.soort == "klaar":
                        if not getokend:
                            for stuk in _brokken(g.antwoord.antwoord):
                                yield _sse("token", {"tekst": stuk})
                        yield _sse("klaar", als_uit(g.antwoord))
            except AssistentFout as e:
                yield _sse("fout", {"fout": e.melding, "oplossing": e.oplossing})
            except Exception:  # noqa: BLE001 - a broken stream must still end with a message
                log.exception("Fout tijdens het stromen")
                yield _sse("fout", {"fout": "Er ging iets mis bij het beantwoorden.", "oplossing": "Probeer het opnieuw."})

        return StreamingResponse(gebeurtenissen(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.post("/v1/chat/completions", responses=fouten, tags=["OpenAI-compatibel"],
              summary="OpenAI-compatibele chat")
    async def chat_completions(v: ChatVerzoek):
        """Voor bestaande chatvoorkanten en de officiële `openai`-client. De bronnen staan als genummerde
        voetnoten in `content` en gestructureerd in het extra veld `citaten`. Met `stream: true` komt het
        antwoord pas na de claimcontrole, in stukjes (zo komt er nooit een weggehaalde bewering bij de client)."""
        modus = modus_van_model(v.model)
        if modus is None:
            return _model_onbekend(v.model)
        vraag_, gesprek = _uit_berichten(v.messages)
        a: Antwoord = await run_in_threadpool(dienst.vraag, vraag_, gesprek, v.bron, v.aanbeveling, modus)
        inhoud = als_tekst(a.antwoord, a.citaten)
        citaten = [c.model_dump(mode="json") for c in a.citaten]
        # 'model' is the mode that actually answered (after any fallback); 'modus' adds the model behind it.
        beantwoord = a.modus.split(" ")[0].split(":")[0]
        kern = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()), "model": model_id(beantwoord),
                "modus": a.modus}
        gebruik = _gebruik(a)
        if not v.stream:
            return {**kern, "object": "chat.completion",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": inhoud},
                                 "finish_reason": "stop"}],
                    "usage": gebruik, "citaten": citaten}

        def brokken() -> Iterator[str]:
            def stuk(delta: dict, einde: str | None = None, **extra) -> str:
                return "data: " + json.dumps({**kern, "object": "chat.completion.chunk", **extra,
                                              "choices": [{"index": 0, "delta": delta, "finish_reason": einde}]},
                                             ensure_ascii=False) + "\n\n"
            yield stuk({"role": "assistant", "content": ""})
            for s in _brokken(inhoud):
                yield stuk({"content": s})
            yield stuk({}, "stop", citaten=citaten, usage=gebruik)
            yield "data: [DONE]\n\n"

        return StreamingResponse(brokken(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/v1/models", tags=["OpenAI-compatibel"], summary="Beschikbare modellen (OpenAI-vorm)")
    def modellen() -> dict:
        """'wijkassistent' (de beste modus die er is, zoals GET /api/v1/status die noemt) en per beschikbare modus
        'wijkassistent-<modus>': altijd extractief, en openai, ollama of llamacpp als die ingesteld en bereikbaar zijn."""
        modi = ["auto", *dienst.beschikbare_modi()]
        return {"object": "list", "data": [{"id": model_id(m), "object": "model", "created": 0,
                                            "owned_by": "wijkassistent"} for m in modi]}

    @app.get("/api/v1/bronnen", tags=["bronnen"], summary="De geïndexeerde publicaties")
    def bronnen() -> list[dict]:
        """Catalogus: id (`document`), titel, bestand, aantal pagina's en fragmenten per publicatie."""
        return dienst.bronnen()

    @app.get("/api/v1/bronnen/{document}/bestand", tags=["bronnen"], summary="Het bronbestand",
             response_class=FileResponse, responses={404: {"model": Fout, "description": "Onbekende bron."}})
    def bestand(document: str):
        """Het bestand zelf (alleen bestanden binnen de bronnenmap). Open een PDF op een pagina met `#page=N`."""
        try:
            pad = dienst.bronbestand(document)
        except ConfiguratieFout as e:
            return _fout(404, e.melding, e.oplossing)
        soort = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
                 ".md": "text/plain; charset=utf-8"}.get(pad.suffix.lower(), "application/octet-stream")
        # inline, so the browser opens the PDF at #page=N instead of downloading it
        return FileResponse(pad, media_type=soort, content_disposition_type="inline", filename=pad.name)

    @app.get("/api/v1/bronnen/{document}/pagina/{pagina}", tags=["bronnen"], summary="Eén pagina als tekst",
             response_class=HTMLResponse, responses={404: {"model": Fout, "description": "Onbekende bron of pagina."}})
    def pagina(document: str, pagina: int,
               markeer: str = Query("", max_length=4000, description="Tekst die gemarkeerd wordt (het citaat)."),
               formaat: Literal["html", "tekst"] = Query("html", description="html (leesbaar) of tekst.")):
        """De opgeschoonde tekst van één pagina, met het citaat gemarkeerd; zo opent de chat tekstbronnen."""
        regel = next((b for b in dienst.bronnen() if b["document"] == document), None)
        if regel is None:
            return _fout(404, f"Onbekende bron '{document}'.", "Zie GET /api/v1/bronnen voor de ids.")
        try:
            tekst = dienst.paginatekst(document, pagina)
        except ConfiguratieFout as e:
            return _fout(404, e.melding, e.oplossing)
        if formaat == "tekst":
            return HTMLResponse(tekst, media_type="text/plain; charset=utf-8")
        titel = regel.get("korte_titel") or regel.get("titel") or document
        return HTMLResponse(_pagina_html(titel, document, pagina, int(regel.get("paginas", pagina)), tekst, markeer))

    @app.get("/api/v1/status", tags=["beheer"], summary="Stand van index, embedder en antwoordmodus")
    def status() -> dict:
        """Index (aanwezig, publicaties, pagina's, fragmenten), embedder, actieve antwoordmodus en versie."""
        return dienst.status()

    @app.post("/api/v1/feedback", response_model=FeedbackUit, status_code=201, responses=fouten, tags=["feedback"],
              summary="Feedback op een antwoord")
    def feedback(f: FeedbackIn) -> dict:
        """Slaat 👍/👎 met optionele toelichting op als JSON-regel; `assistent feedback --naar-evals` maakt van
        de 👎 concept-evalgevallen."""
        fb = opslag.bewaar(Feedback(**f.model_dump(exclude={"gesprek"}), gesprek=_gesprek(f.gesprek)))
        return {"id": fb.id}

    @app.get("/docs", include_in_schema=False)
    def docs():
        return HTMLResponse(_docs_html(app.openapi()))

    app.add_middleware(Poortwachter, sleutel=instellingen.api_sleutel or None, max_bytes=instellingen.max_body_bytes)
    if instellingen.cors:
        # Added last, so it runs first: preflights are answered before the key check (browsers send no key there).
        app.add_middleware(CORSMiddleware, allow_origins=instellingen.cors, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type", "X-API-Key"])
    return app


def _gesprek(beurten: list[Beurt] | None) -> list[dict] | None:
    return [b.model_dump() for b in beurten] if beurten else None


def _met_eerste(eerste: Gebeurtenis, rest: Iterator[Gebeurtenis]) -> Iterator[Gebeurtenis]:
    yield eerste
    yield from rest


def _uit_berichten(berichten: list[ChatBericht]) -> tuple[str, list[dict] | None]:
    """OpenAI-berichten naar (vraag, gesprek): het laatste gebruikersbericht is de vraag."""
    gesprek = [{"rol": "gebruiker" if b.role == "user" else "assistent", "tekst": _tekst_van(b.content)}
               for b in berichten if b.role in ("user", "assistant")]
    if not gesprek or gesprek[-1]["rol"] != "gebruiker":
        raise OngeldigeVraag("Er is geen vraag: het laatste bericht moet van de gebruiker (role 'user') zijn.",
                               "Zet de vraag als laatste bericht met role 'user'.")
    # Earlier assistant turns carry our footnotes; drop them so rewriting sees only the answer text.
    for b in gesprek[:-1]:
        if b["rol"] == "assistent":
            b["tekst"] = b["tekst"].split("\n\nBronnen:\n", 1)[0]
    return gesprek[-1]["tekst"], gesprek[:-1] or None
