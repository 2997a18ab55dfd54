"""Een gesprek als Markdown, met per antwoord de bronnen (titel, pagina, citaat, link): om in een memo te plakken."""

import re
from datetime import datetime
from urllib.parse import quote

from assistent.citaten import Citaat


def bronlink(document: str, pagina: int, citaat: str, bestand: str) -> str:
    """Relatief adres van een bron op een pagina: PDF's openen op `#page=N`, tekst met het citaat gemarkeerd."""
    if bestand.lower().endswith(".pdf"):
        return f"api/v1/bronnen/{quote(document)}/bestand#page={pagina}"
    return f"api/v1/bronnen/{quote(document)}/pagina/{pagina}?markeer={quote(citaat)}#markering"


def _regel(tekst: str) -> str:
    return re.sub(r"\s+", " ", tekst or "").strip()


def _citeer(tekst: str) -> str:
    return "\n".join(f"> {r}" if r.strip() else ">" for r in (tekst or "").strip().splitlines())


def als_markdown(beurten: list[dict], bestanden: dict[str, str], basis_url: str = "",
                 titel: str = "Gesprek met Wijkassistent", moment: datetime | None = None,
                 filters: str = "") -> str:
    """Markdown van een gesprek. Een beurt is {"vraag", "antwoord": Antwoord als dict, "filters"?}."""
    moment = moment or datetime.now().astimezone()
    delen = [f"# {_regel(titel)}", "",
             f"Geëxporteerd op {moment:%d-%m-%Y om %H:%M}. Elk antwoord komt uit de publicaties van het "
             "experimentenprogramma *Verduurzaming van Kwetsbare Wijken*; de nummers [n] verwijzen naar de bronnen "
             "onder het antwoord.", ""]
    basis = basis_url.rstrip("/") + "/" if basis_url else ""
    for k, b in enumerate(beurten, start=1):
        a = b.get("antwoord") or {}
        delen += [f"## {k}. {_regel(b.get('vraag', ''))}", ""]
        if b.get("filters"):
            delen += [f"*Filter: {_regel(b['filters'])}*", ""]
        if a.get("melding"):
            delen += [f"*{_regel(a['melding'])}*", ""]
        delen += [(a.get("antwoord") or "(geen antwoord)").strip(), ""]
        citaten = [Citaat(**c) for c in a.get("citaten") or []]
        if citaten:
            delen += ["**Bronnen**", ""]
            for c in citaten:
                pagina = f"p. {c.pagina}" + (f"–{c.pagina_eind}" if c.pagina_eind and c.pagina_eind != c.pagina else "")
                waar = f", {_regel(c.sectie)}" if c.sectie else ""
                link = basis + bronlink(c.document, c.pagina, c.citaat, bestanden.get(c.document, ""))
                delen += [f"{c.nr}. *{_regel(c.titel)}*, {pagina}{waar}. [Open de bron]({link})", ""]
                delen += ["   " + r for r in _citeer(c.citaat or c.tekst).splitlines()] + [""]
        elif a and not a.get("gevonden", True):
            delen += ["*(Geen bronnen: de publicaties bevatten hier geen antwoord op.)*", ""]
    return "\n".join(delen).rstrip() + "\n"
