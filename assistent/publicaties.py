"""Publicaties beheren: toevoegen (gecontroleerd), verwijderen en (opnieuw) indexeren, op de achtergrond."""

import logging
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from assistent import bronnen as bronnen_mod
from assistent.fouten import (AssistentFout, BronFout, IndexBezet, OngeldigeUpload, OnbekendePublicatie,
                              PublicatieBestaatAl, UploadTeGroot)
from assistent.index import Index

log = logging.getLogger(__name__)

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_STUURTEKENS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_WACHT_OP_SLOT_S = 2.0


def _toml_waarde(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_waarde(x) for x in v) + "]"
    # A TOML basic string accepts JSON's escapes (\", \\, \n, \uXXXX).
    import json
    return json.dumps(str(v), ensure_ascii=False)


def schrijf_catalogus(pad: Path, catalogus: dict[str, dict]) -> None:
    """De catalogus als TOML, met de toelichting bovenaan behouden; atomair vervangen."""
    kop = []
    if pad.exists():
        for regel in pad.read_text(encoding="utf-8").splitlines():
            if not regel.startswith("#"):
                break
            kop.append(regel)
    delen = ["\n".join(kop) + "\n" if kop else ""]
    for naam, velden in catalogus.items():
        regels = [f"[{_toml_waarde(naam)}]"] + [f"{k} = {_toml_waarde(v)}" for k, v in velden.items()
                                                if v is not None and v != ""]
        delen.append("\n".join(regels) + "\n")
    tekst = "\n".join(delen)
    assert tomllib.loads(tekst) == {k: {a: b for a, b in v.items() if b is not None and b != ""}
                                    for k, v in catalogus.items()}
    tijdelijk = pad.with_name(f".{pad.name}.{os.getpid()}.tmp")
    tijdelijk.write_text(tekst, encoding="utf-8")
    os.replace(tijdelijk, pad)


def _tijd() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Publicaties:
    """De publicaties in de bronnenmap: lijst, toevoegen, verwijderen, herindexeren; één indexering tegelijk."""

    def __init__(self, bronmap: Path, index: Index, max_bytes: int, na_indexeren: Callable[[], None]):
        self.map = Path(bronmap)
        self.index = index
        self.max_bytes = max_bytes
        self.na_indexeren = na_indexeren
        # Checks and writes of files and catalogue happen one at a time, so two equal uploads cannot both pass.
        self._schrijfslot = threading.Lock()
        self._wachtrij: queue.Queue = queue.Queue()
        self._stand_slot = threading.Lock()
        self._draad: threading.Thread | None = None
        self._hashes: dict[str, tuple[int, int, str]] = {}
        self._stand: dict = {"bezig": False, "taak": None, "stap": "", "bestand": None, "voortgang": 0.0,
                             "wachtrij": [], "laatste": None, "fout": None}
        self._mislukt: dict[str, str] = {}

    # ----- reading -----

    def _hash(self, pad: Path) -> str:
        st = pad.stat()
        bekend = self._hashes.get(pad.name)
        if bekend and bekend[:2] == (st.st_mtime_ns, st.st_size):
            return bekend[2]
        h = bronnen_mod.bestandshash(pad)
        self._hashes[pad.name] = (st.st_mtime_ns, st.st_size, h)
        return h

    def lijst(self) -> list[dict]:
        """Alle publicaties: uit de bronnenmap en uit de index, met status en of het bestand sindsdien veranderde."""
        register = {m["bestand"]: m for m in (self.index.bronnen() if self.index.bestaat() else [])}
        catalogus = bronnen_mod.lees_catalogus(self.map)
        uit = []
        for pad in bronnen_mod.vind_bestanden(self.map):
            bron = bronnen_mod.bron_voor(pad, catalogus)
            r = register.pop(pad.name, None)
            gewijzigd = bool(r) and r.get("hash") != self._hash(pad)
            if r and r.get("volledig"):
                status = "gewijzigd sinds het indexeren" if gewijzigd else "geïndexeerd"
            elif pad.name in self._mislukt:
                status = f"niet geïndexeerd: {self._mislukt[pad.name]}"
            else:
                status = "wacht op indexering"
            uit.append(self._regel(bron.id if not r else r["document"], pad.name, bron, r, gewijzigd, status))
        for naam, r in register.items():  # indexed, but the file is gone
            uit.append(self._regel(r["document"], naam, None, r, True, "bestand ontbreekt; wordt uit de index gehaald"))
        return sorted(uit, key=lambda p: p["titel"].lower())

    @staticmethod
    def _regel(id_: str, naam: str, bron: bronnen_mod.Bron | None, r: dict | None, gewijzigd: bool, status: str) -> dict:
        bron_of_r = (lambda veld, standaard=None: getattr(bron, veld) if bron else (r or {}).get(veld, standaard))
        return {"id": id_, "document": id_, "bestand": naam, "titel": bron_of_r("titel"),
                "uitgever": bron_of_r("uitgever") or "", "jaar": bron_of_r("jaar") or None,
                "soort": bron_of_r("soort") or "", "paginas": int((r or {}).get("paginas", 0)),
                "fragmenten": int((r or {}).get("fragmenten", 0)), "geindexeerd": (r or {}).get("geindexeerd"),
                "gewijzigd": gewijzigd, "status": status}

    def zoek(self, id_: str) -> dict:
        """Eén publicatie op id; OnbekendePublicatie als die er niet is."""
        gevonden = next((p for p in self.lijst() if p["id"] == id_), None)
        if gevonden is None:
            ids = ", ".join(p["id"] for p in self.lijst()) or "(geen)"
            raise OnbekendePublicatie(f"Er is geen publicatie met id '{id_}'.", f"Bekende ids: {ids}.")
        return gevonden

    # ----- adding -----

    def _controleer_gegevens(self, naam: str, titel: str, uitgever: str, jaar: int | None, soort: str,
                             id_: str | None) -> tuple[str, str]:
        naam = naam or ""
        if (not naam or "/" in naam or "\\" in naam or naam in (".", "..") or naam.startswith(".")
                or _STUURTEKENS.search(naam) or Path(naam).name != naam):
            raise OngeldigeUpload(f"De bestandsnaam '{naam.encode('utf-8', 'replace').decode()[:120]}' kan niet: "
                                  "een naam zonder map, zonder '/' of '\\' en niet beginnend met een punt is nodig.",
                                  "Geef het bestand een gewone naam, bijvoorbeeld 'rapport-2021.pdf'.")
        if len(naam) > 200:
            raise OngeldigeUpload("De bestandsnaam is te lang (meer dan 200 tekens).", "Geef het bestand een kortere naam.")
        if Path(naam).suffix.lower() not in bronnen_mod.EXTENSIES:
            raise OngeldigeUpload(f"{naam}: dit soort bestand kan niet worden toegevoegd.",
                                  "Voeg een PDF, een .txt- of een .md-bestand toe (Word: eerst opslaan als PDF).")
        titel = (titel or "").strip()
        if not titel:
            raise OngeldigeUpload("De titel ontbreekt.", "Vul de titel van de publicatie in; die staat bij elk citaat.")
        for veld, waarde, lengte in (("titel", titel, 300), ("uitgever", uitgever, 200), ("soort", soort, 60)):
            if _STUURTEKENS.search(waarde or ""):
                raise OngeldigeUpload(f"Het veld {veld} bevat ongeldige tekens.", "Gebruik gewone tekst op één regel.")
            if len(waarde or "") > lengte:
                raise OngeldigeUpload(f"Het veld {veld} is te lang (maximaal {lengte} tekens).", "Kort het in.")
        if jaar is not None and not (1900 <= int(jaar) <= 2100):
            raise OngeldigeUpload(f"Jaar {jaar} kan niet.", "Geef een jaartal tussen 1900 en 2100, of laat het leeg.")
        id_ = (id_ or "").strip() or bronnen_mod._slug(Path(naam).stem)[:63]
        if not _ID.match(id_):
            raise OngeldigeUpload(f"De id '{id_[:80]}' kan niet.",
                                  "Gebruik kleine letters, cijfers en streepjes (maximaal 63), bijv. 'opgaven-2021'.")
        return naam, id_

    def _controleer_uniek(self, naam: str, id_: str, hash_: str) -> None:
        if (self.map / naam).exists():
            raise PublicatieBestaatAl(f"Er staat al een bestand '{naam}' in de bronnen.",
                                      "Verwijder eerst de oude publicatie, of geef het bestand een andere naam.")
        for p in self.lijst():
            if p["id"] == id_:
                raise PublicatieBestaatAl(f"De id '{id_}' is al in gebruik door ‘{p['titel']}’.",
                                          "Geef een andere id op (veld 'id').")
        for pad in bronnen_mod.vind_bestanden(self.map):
            if self._hash(pad) == hash_:
                raise PublicatieBestaatAl(f"{naam} heeft dezelfde inhoud als {pad.name}, dat al in de bronnen staat.",
                                          "Dit bestand hoeft niet nog eens te worden toegevoegd.")

    def voeg_toe(self, naam: str, inhoud: bytes, titel: str, uitgever: str = "", jaar: int | None = None,
                 soort: str = "", id_: str | None = None) -> dict:
        """Controleert en bewaart een nieuwe publicatie, en zet het indexeren in de wachtrij; geeft de publicatie."""
        naam, id_ = self._controleer_gegevens(naam, titel, uitgever, jaar, soort, id_)
        if len(inhoud) > self.max_bytes:
            raise UploadTeGroot(f"{naam} is te groot ({len(inhoud) / 1e6:.1f} MB; maximaal "
                                f"{self.max_bytes / 1e6:.0f} MB).", "Verklein de PDF (bijv. afbeeldingen comprimeren) "
                                                                    "of verhoog ASSISTENT_MAX_UPLOAD_BYTES.")
        if not inhoud:
            raise OngeldigeUpload(f"{naam} is leeg (0 bytes).", "Kies het echte bestand.")
        if naam.lower().endswith(".pdf") and not inhoud.lstrip()[:5] == b"%PDF-":
            raise OngeldigeUpload(f"{naam} is geen PDF (de inhoud begint niet met %PDF-).",
                                  "Kies het echte PDF-bestand; andere formaten eerst opslaan als PDF.")
        self.map.mkdir(parents=True, exist_ok=True)
        werkmap = Path(tempfile.mkdtemp(prefix=".upload-", dir=self.map))
        try:
            tijdelijk = werkmap / naam
            tijdelijk.write_bytes(inhoud)
            bron = bronnen_mod.Bron(bestand=tijdelijk, id=id_, titel=titel.strip(), korte_titel=titel.strip(),
                                    uitgever=uitgever.strip(), jaar=jaar, soort=soort.strip())
            try:
                # Read it fully now: encrypted, image-only or unreadable files are refused before anything changes.
                gelezen = bronnen_mod.lees_bron(bron)
            except BronFout as e:
                raise OngeldigeUpload(f"{e.melding}.", e.oplossing.replace(" en zet die in bronnen/", "")
                                      .replace(" en zet hem opnieuw in bronnen/", "")) from None
            hash_ = bronnen_mod.bestandshash(tijdelijk)
            with self._schrijfslot:
                self._controleer_uniek(naam, id_, hash_)
                catalogus = bronnen_mod.lees_catalogus(self.map)
                catalogus[naam] = {"id": id_, "titel": titel.strip(), "uitgever": uitgever.strip(),
                                   "jaar": int(jaar) if jaar else None, "soort": soort.strip()}
                os.replace(tijdelijk, self.map / naam)
                try:
                    schrijf_catalogus(self.map / bronnen_mod.CATALOGUS, catalogus)
                except Exception:
                    (self.map / naam).unlink(missing_ok=True)  # nothing half-done stays behind
                    raise
        finally:
            shutil.rmtree(werkmap, ignore_errors=True)
        self._mislukt.pop(naam, None)
        self._in_wachtrij(f"Toevoegen: {titel.strip()}", self._bouw)
        log.info("Publicatie toegevoegd: %s (%s, %d pagina's).", naam, id_, len(gelezen.paginas))
        return {"id": id_, "bestand": naam, "titel": titel.strip(), "paginas": len(gelezen.paginas),
                "status": "in de wachtrij voor indexering"}

    # ----- removing and re-indexing -----

    def verwijder(self, id_: str) -> dict:
        """Bestand en catalogusregel weg; het indexeren (in de wachtrij) haalt de fragmenten eruit."""
        with self._schrijfslot:
            p = self.zoek(id_)
            pad = self.map / p["bestand"]
            catalogus = bronnen_mod.lees_catalogus(self.map)
            if catalogus.pop(p["bestand"], None) is not None:
                schrijf_catalogus(self.map / bronnen_mod.CATALOGUS, catalogus)
            pad.unlink(missing_ok=True)
            self._hashes.pop(p["bestand"], None)
            self._mislukt.pop(p["bestand"], None)
        self._in_wachtrij(f"Verwijderen: {p['titel']}", self._bouw)
        log.info("Publicatie verwijderd: %s (%s).", p["bestand"], id_)
        return {"id": id_, "bestand": p["bestand"], "titel": p["titel"], "status": "wordt uit de index gehaald"}

    def herindexeer(self, id_: str | None = None) -> dict:
        """Eén publicatie (of alle) opnieuw verwerken, in de wachtrij."""
        if id_ is not None:
            p = self.zoek(id_)
            self._in_wachtrij(f"Opnieuw indexeren: {p['titel']}", lambda: self._bouw(opnieuw=p["id"]))
            return {"id": id_, "bestand": p["bestand"], "titel": p["titel"], "status": "in de wachtrij"}
        self._in_wachtrij("Alles opnieuw indexeren", lambda: self._bouw(opnieuw="*"))
        return {"id": None, "status": "in de wachtrij"}

    # ----- background work -----

    def stand(self) -> dict:
        """De stand van het indexeren: bezig, taak, stap, voortgang (0–1), wachtrij, laatste uitslag of fout."""
        with self._stand_slot:
            return {k: (list(v) if isinstance(v, list) else v) for k, v in self._stand.items()} | {
                "generatie": self.index.generatie() if not self._stand["bezig"] else None}

    def _zet(self, **waarden) -> None:
        with self._stand_slot:
            self._stand.update(waarden)

    def _in_wachtrij(self, taak: str, werk: Callable[[], None]) -> None:
        with self._stand_slot:
            self._stand["wachtrij"].append(taak)
            # Shown as busy from the moment it is queued: a client polling right after its upload sees it.
            self._stand["bezig"] = True
            if self._draad is None or not self._draad.is_alive():
                self._draad = threading.Thread(target=self._werker, name="publicaties-indexeren", daemon=True)
                self._draad.start()
        self._wachtrij.put((taak, werk))

    def _werker(self) -> None:
        while True:
            try:
                taak, werk = self._wachtrij.get(timeout=5)
            except queue.Empty:
                with self._stand_slot:
                    if self._wachtrij.empty():
                        self._draad = None
                        return
                continue
            with self._stand_slot:
                self._stand["wachtrij"].remove(taak)
                self._stand.update(bezig=True, taak=taak, stap="begint", voortgang=0.0, bestand=None, fout=None)
            try:
                werk()
            except AssistentFout as e:
                log.warning("%s mislukte: %s", taak, e)
                self._zet(fout={"fout": e.melding, "oplossing": e.oplossing, "taak": taak, "tijd": _tijd()})
            except Exception as e:  # noqa: BLE001 - the worker must survive for the next task
                log.exception("%s mislukte", taak)
                self._zet(fout={"fout": f"Indexeren mislukte ({type(e).__name__}: {e}).",
                                "oplossing": "Zie het logboek van de server; probeer het opnieuw.", "taak": taak,
                                "tijd": _tijd()})
            finally:
                with self._stand_slot:
                    klaar = not self._stand["wachtrij"]
                    self._stand.update(bezig=not klaar, taak=None if klaar else self._stand["taak"],
                                       stap="klaar" if klaar else "volgende taak", voortgang=1.0 if klaar else 0.0)

    def _bouw(self, opnieuw: str | None = None) -> None:
        def bij(stand: dict) -> None:
            deel = stand["gedaan"] / stand["totaal"] if stand["totaal"] else 0.0
            self._zet(bestand=stand["bestand"], voortgang=round((stand["bestand_nr"] + deel) / max(1, stand["bestanden"]), 3),
                      stap=f"{stand['bestand']}: {stand['gedaan']} van {stand['totaal']} fragmenten"
                      if stand["totaal"] else f"{stand['bestand']} ({stand['bestand_nr'] + 1} van {stand['bestanden']})")

        taak = self._stand["taak"]
        while True:
            try:
                if opnieuw:
                    self.index.markeer_opnieuw(None if opnieuw == "*" else opnieuw)
                s = self.index.bouw(self.map, voortgang=False, melding=lambda m: log.info("%s", m), bij_voortgang=bij)
                break
            except IndexBezet:
                # Another indexing run (the CLI, another process) holds the lock: wait for it instead of failing.
                self._zet(stap="wacht tot een andere indexering klaar is")
                time.sleep(_WACHT_OP_SLOT_S)
        self._mislukt = dict(s.mislukt)
        self.na_indexeren()
        self._zet(laatste={"taak": taak, "tijd": _tijd()} | s.als_dict())

    def wacht(self, timeout: float = 300) -> bool:
        """Wacht tot de wachtrij leeg en niets meer bezig is (voor tests en de opdrachtregel)."""
        eind = time.monotonic() + timeout
        while time.monotonic() < eind:
            if not self.stand()["bezig"]:
                return True
            time.sleep(0.1)
        return False
