"""Testhulpen: een minimale PDF-schrijver (echte PDF's zonder extra pakketten) en de echte CLI als subprocess."""

import sys
import zlib
from pathlib import Path


def _escape(tekst: str) -> bytes:
    # WinAnsiEncoding is close to cp1252, so Dutch letters like ë and é survive the round trip.
    ruw = tekst.encode("cp1252")
    return ruw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _inhoud(regels: list[str], voet: str | None, kop: str | None, paginanr: int) -> bytes:
    delen = [b"BT /F1 11 Tf 14 TL 72 770 Td"]
    if kop:
        delen.append(b"(" + _escape(kop) + b") Tj T* T*")
    for r in regels:
        delen.append(b"(" + _escape(r) + b") Tj T*")
    delen.append(b"ET")
    if voet:
        delen.append(b"BT /F1 9 Tf 72 40 Td (" + _escape(voet) + b") Tj ET")
        delen.append(b"BT /F1 9 Tf 520 40 Td (" + str(paginanr).encode() + b") Tj ET")
    return b"\n".join(delen)


def _afbeelding_inhoud() -> bytes:
    return b"q 200 0 0 200 100 500 cm /Im1 Do Q"


def schrijf_pdf(pad: Path, paginas: list[list[str]], voet: str | None = None, kop: str | None = None,
                alleen_afbeelding: bool = False) -> Path:
    """Schrijf een PDF met per pagina de gegeven regels, een lopende voetregel met paginanummer en optioneel een kop."""
    objecten: list[bytes] = []

    def voeg_toe(obj: bytes) -> int:
        objecten.append(obj)
        return len(objecten)

    catalogus = voeg_toe(b"")  # filled in once the page tree number is known
    paginaboom = voeg_toe(b"")
    font = voeg_toe(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pixels = zlib.compress(bytes([0, 255, 255, 0]))
    beeld = voeg_toe(b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
                     b"/BitsPerComponent 8 /Filter /FlateDecode /Length " + str(len(pixels)).encode() + b" >>\nstream\n"
                     + pixels + b"\nendstream")
    kinderen = []
    for nr, regels in enumerate(paginas, start=1):
        stroom = _afbeelding_inhoud() if alleen_afbeelding else _inhoud(regels, voet, kop, nr)
        gecomprimeerd = zlib.compress(stroom)
        inhoud = voeg_toe(b"<< /Length " + str(len(gecomprimeerd)).encode() + b" /Filter /FlateDecode >>\nstream\n"
                          + gecomprimeerd + b"\nendstream")
        kinderen.append(voeg_toe(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> /XObject << /Im1 %d 0 R >> >> >>"
            % (paginaboom, inhoud, font, beeld)))
    objecten[catalogus - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % paginaboom
    objecten[paginaboom - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kinderen)
                                + b"] /Count %d >>" % len(kinderen))
    uit = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    plekken = []
    for i, obj in enumerate(objecten, start=1):
        plekken.append(len(uit))
        uit += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(uit)
    uit += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objecten) + 1)
    for p in plekken:
        uit += b"%010d 00000 n \n" % p
    uit += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objecten) + 1, catalogus, xref)
    pad.write_bytes(bytes(uit))
    return pad


def versleutel(bron: Path, doel: Path, wachtwoord: str = "geheim") -> Path:
    """Versleutelde kopie via pypdf (RC4, werkt zonder cryptography-pakket)."""
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(str(bron)))
    w.encrypt(user_password=wachtwoord, owner_password=wachtwoord + "-eigenaar", algorithm="RC4-128")
    with doel.open("wb") as f:
        w.write(f)
    return doel


VOET = "Verduurzamen met bewoners / Werkboek"

# Three pages of realistic text, with end-of-line hyphenation ('leefbaar-' / 'heid', 'bewo-' / 'ners'),
# real hyphens ('Zandweerd-Noord', 'energie- en'), and a heading per page.
TESTPAGINAS = [
    [
        "Wijkaanpak in Deventer",
        "In de wijk Zandweerd-Noord werken de gemeente en de corporatie samen aan de leefbaar-",
        "heid van de buurt. De energie- en duurzaamheidsspecialisten van de gemeente trekken",
        "samen op met de wijkteams. Zij bezoeken bewoners thuis en bespreken de mogelijkheden",
        "om de woning te isoleren. Het doel is dat bewo-",
        "ners zelf de eerste stap zetten en dat zij daarbij hulp krijgen van buren en vrijwilligers.",
        "De wijkaanpak begon met een reeks keukentafelgesprekken in de straten rond het park.",
    ],
    [
        "Energiecoaches aan de deur",
        "Energiecoaches uit de wijk geven bewoners advies over kleine maatregelen, zoals tochtstrips",
        "en radiatorfolie. Zij spreken de taal van de buurt en worden daardoor vertrouwd. Veel huis-",
        "houdens met een laag inkomen besparen zo direct op hun energierekening. De coaches worden",
        "opgeleid door de gemeente en krijgen een vrijwilligersvergoeding voor hun werk in de wijk.",
    ],
    [
        "Lessen voor andere gemeenten",
        "Begin klein en sluit aan bij wat bewoners belangrijk vinden. Verbind de warmtetransitie met",
        "de aanpak van armoede en gezondheid. Geef professionals ruimte om te experimenteren en leg",
        "vast wat werkt, zodat de kennis in de organisatie blijft als mensen van functie wisselen.",
    ],
]


ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv the tests run in, wherever it lives
CLI = [str(BIN / "assistent")] if (BIN / "assistent").exists() else [sys.executable, "-m", "assistent"]


def cli_omgeving(index: Path, bronnen: Path, embedder: str = "nep", **extra: str) -> dict[str, str]:
    """Omgeving voor de CLI: eigen index en bronnen, niets van de ontwikkelaar, geen netwerk."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTENT_")}
    env |= {"ASSISTENT_INDEX": str(index), "ASSISTENT_BRONNEN": str(bronnen), "ASSISTENT_EMBEDDER": embedder,
            "ASSISTENT_LLM": "extractief", "HF_HUB_OFFLINE": "1"}
    return env | extra


def assistent(*args: str, env: dict[str, str], cwd: Path, timeout: float = 300, **kw):
    """De echte `assistent`-opdracht als subprocess (cwd zonder .env)."""
    import subprocess

    return subprocess.run([*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, **kw)


def passage_nr(prompt: str, fragment: str) -> int:
    """Nummer van de eerste genummerde passage in de prompt die `fragment` bevat."""
    import re

    gebruiker = prompt.split("Passages:", 1)[1].split("\n---\nVraag", 1)[0]
    delen = re.split(r"(?m)^\[(\d+)\] \(", gebruiker)
    for nr, tekst in zip(delen[1::2], delen[2::2]):
        if fragment in tekst:
            return int(nr)
    raise AssertionError(f"geen passage met {fragment!r} in de prompt")


def getoonde_zinnen(prompt: str) -> list[tuple[int, str]]:
    """(passagenummer, zin) voor elke zin die het model in de prompt (platte tekst) te zien kreeg."""
    import re

    gebruiker = prompt.split("Passages:", 1)[1].split("\n---\nVraag", 1)[0]
    delen = re.split(r"(?m)^\[(\d+)\] \(.*\)$", gebruiker)
    return [(int(nr), regel.strip()) for nr, tekst in zip(delen[1::2], delen[2::2])
            for regel in tekst.strip().split("\n") if regel.strip()]


def overslaan_of_falen(reden: str | None) -> None:
    """Een ontbrekende testvoorziening: lokaal overslaan, in CI falen (daar hoort alles geïnstalleerd te zijn)."""
    if not reden:
        return
    import os

    import pytest

    if os.environ.get("CI"):
        pytest.fail(reden)
    pytest.skip(reden)
