"""De index: fragmenten met embeddings in Chroma (via LlamaIndex), plus een register van de bronnen."""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import TextNode
from llama_index.core.vector_stores.types import MetadataFilters, VectorStoreQuery
from llama_index.core.vector_stores.utils import metadata_dict_to_node
from llama_index.vector_stores.chroma import ChromaVectorStore
from tqdm import tqdm

from assistent import bronnen as bronnen_mod
from assistent import taal
from assistent.fouten import BronFout, IndexBezet, IndexFout

log = logging.getLogger(__name__)

SCHEMA = 5  # raise when the stored layout changes; older indexes are refused with the rebuild command
HERBOUW = "assistent indexeer --opnieuw"
EMBED_BATCH = 16
WOORD_BATCH = 256
LEES_BLOK = 5000


@dataclass
class Samenvatting:
    """Wat een indexering deed."""

    bestanden: int = 0
    paginas: int = 0
    fragmenten: int = 0
    nieuw: list[str] = field(default_factory=list)
    vervangen: list[str] = field(default_factory=list)
    verwijderd: list[str] = field(default_factory=list)
    overgeslagen: list[str] = field(default_factory=list)
    mislukt: dict[str, str] = field(default_factory=dict)
    waarschuwingen: list[str] = field(default_factory=list)
    seconden: float = 0.0

    @property
    def gewijzigd(self) -> bool:
        return bool(self.nieuw or self.vervangen or self.verwijderd)

    def als_dict(self) -> dict:
        return {
            "bestanden": self.bestanden, "paginas": self.paginas, "fragmenten": self.fragmenten,
            "nieuw": self.nieuw, "vervangen": self.vervangen, "verwijderd": self.verwijderd,
            "overgeslagen": self.overgeslagen, "mislukt": self.mislukt, "waarschuwingen": self.waarschuwingen,
            "seconden": round(self.seconden, 2),
        }


def embedder_naam(embedder: BaseEmbedding) -> str:
    """Stabiele naam van een embedder, zoals die in de index wordt vastgelegd."""
    return f"{embedder.class_name()}:{embedder.model_name}"


def zoektekst(node: TextNode) -> str:
    """De tekst die geëmbed en voor BM25 getokeniseerd wordt: sectie plus inhoud."""
    m = node.metadata
    return f"{m.get('sectie', '')}\n{m.get('zoektekst') or node.text}"


def bewijszinnen(node: TextNode) -> list[tuple[int, int]]:
    """De zinnen van een fragment als (begin, eind) in node.text: de eenheden van bewijs en citaat."""
    if node.metadata.get("soort") == "tabelrij":
        # A row passage is the table header plus the row; the row alone is the evidence.
        regel = node.text.rsplit("\n", 1)[-1]
        return [(len(node.text) - len(regel), len(node.text))]
    return taal.zinnen(node.text)


def vertaalwoorden(nodes: list[TextNode]) -> set[str]:
    """De woorden van de fragmenten waar een Engelse vraag op vertaald kan worden (vier letters of meer)."""
    return {w for n in nodes for w in taal.woorden(n.text) if taal.vertaalbaar(w)}


def zin_id(node_id: str, nr: int) -> str:
    """Id van zin nr van een fragment in de zinnencollectie."""
    return f"{node_id}|{nr}"


def embedtekst_zin(node: TextNode, begin: int, eind: int) -> str:
    """Tekst waarmee een zin geëmbed wordt: met de sectiekop als context; een tabelrij als zin."""
    m = node.metadata
    if m.get("soort") == "tabelrij" and m.get("zoektekst"):
        return f"{m.get('sectie', '')}: {m['zoektekst']}"
    kop = m.get("aanbeveling_titel") or m.get("sectie") or ""
    return f"{kop}: {node.text[begin:eind]}" if kop else node.text[begin:eind]


def _verwijder_fragmenten(store: ChromaVectorStore, bestand: str, zinnen=None) -> None:
    """Alle fragmenten (en hun zinnen) van één bestand verwijderen."""
    # ChromaVectorStore.delete_nodes(filters=...) sends ids=[], which Chroma 1.x rejects; use the collection.
    store.client.delete(where={"bestand": bestand})
    if zinnen is not None:
        zinnen.delete(where={"bestand": bestand})


def _negeer_verdwenen(functie, pad, info) -> None:
    if not issubclass(info[0], FileNotFoundError):
        raise info[1]


def _is_verbindingsfout(e: BaseException) -> bool:
    tekst = f"{type(e).__name__}: {e}".lower()
    return any(w in tekst for w in ("connect", "connection", "timed out", "timeout", "refused"))


def _is_paniek(e: BaseException) -> bool:
    # Rust panics inside chromadb surface as pyo3's PanicException, a BaseException.
    return type(e).__name__ == "PanicException"


class Index:
    """Chroma-collectie met fragmenten en een bronnenregister; lokaal of op een Chroma-server."""

    def __init__(self, map_: Path, embedder: BaseEmbedding, chroma_url: str | None = None,
                 collectie: str = "wijkassistent"):
        self.map = Path(map_)
        self.embedder = embedder
        self.chroma_url = chroma_url
        self.naam = collectie
        self._client = None
        self._dim: int | None = None

    # ----- opening -----

    @property
    def client(self):
        if self._client is None:
            import chromadb
            from chromadb.config import Settings

            instellingen = Settings(anonymized_telemetry=False, allow_reset=True)
            with self._vertaal("openen"):
                if self.chroma_url:
                    u = urlparse(self.chroma_url)
                    self._client = chromadb.HttpClient(host=u.hostname or "127.0.0.1", port=u.port or 8000,
                                                       ssl=u.scheme == "https", settings=instellingen)
                else:
                    self.map.mkdir(parents=True, exist_ok=True)
                    try:
                        self._client = chromadb.PersistentClient(path=str(self._chroma_map), settings=instellingen)
                    except BaseException:
                        # Chroma caches a system per path even when starting it failed; later opens would
                        # then get that broken system instead of a fresh attempt.
                        self._vergeet_systeem()
                        raise
        return self._client

    @property
    def _chroma_map(self) -> Path:
        return self.map / "chroma"

    def _vergeet_systeem(self) -> None:
        from chromadb.api.shared_system_client import SharedSystemClient

        sleutel = str(self._chroma_map)
        systeem = SharedSystemClient._identifier_to_system.pop(sleutel, None)
        SharedSystemClient._identifier_to_refcount.pop(sleutel, None)
        if systeem is not None:
            try:
                systeem.stop()
            except Exception:  # a broken system may not stop cleanly; it is discarded either way
                pass
        self._client = None

    @contextmanager
    def _vertaal(self, actie: str) -> Iterator[None]:
        """Chroma-fouten omzetten in een IndexFout met de oplossing, in plaats van een stacktrace."""
        try:
            yield
        except (IndexFout, IndexBezet, BronFout):
            raise
        except BaseException as e:
            if not isinstance(e, Exception) and not _is_paniek(e):
                raise  # KeyboardInterrupt, SystemExit
            if self.chroma_url and _is_verbindingsfout(e):
                raise IndexFout(
                    f"De Chroma-server op {self.chroma_url} is niet bereikbaar bij {actie} ({type(e).__name__}: {e}).",
                    "Start de server (`chroma run --path <map> --port <poort>`) of corrigeer ASSISTENT_CHROMA_URL "
                    "(leeg laten = ingebouwde index in de indexmap).") from e
            raise IndexFout(
                f"De index in {self._waar()} is beschadigd of onleesbaar bij {actie} ({type(e).__name__}: {e}).",
                f"Bouw hem opnieuw: `{HERBOUW}`.") from e

    def _collectie(self, maak: bool = False):
        """De fragmentencollectie, of None als die er (nog) niet is."""
        client = self.client
        try:
            if maak:
                return client.get_or_create_collection(
                    self.naam, embedding_function=None, configuration={"hnsw": {"space": "cosine"}},
                    metadata=self._identiteit(),
                )
            return client.get_collection(self.naam, embedding_function=None)
        except Exception as e:
            if "does not exist" in str(e) or "NotFound" in type(e).__name__:
                return None
            with self._vertaal("openen"):
                raise

    def _zinnen(self, maak: bool = False):
        """De zinnencollectie (een vector per bewijszin), of None als die er niet is."""
        return self._bijcollectie("zinnen", maak, {"hnsw": {"space": "cosine"}})

    def _woorden(self, maak: bool = False):
        """De woordencollectie (een vector per woord van de bronnen), of None als die er niet is."""
        return self._bijcollectie("woorden", maak)

    def _bijcollectie(self, soort: str, maak: bool, configuratie: dict | None = None):
        """Een collectie naast de fragmenten ('zinnen', 'woorden'), of None als die er niet is."""
        client = self.client
        naam = f"{self.naam}_{soort}"
        try:
            if maak:
                return client.get_or_create_collection(naam, embedding_function=None, configuration=configuratie)
            return client.get_collection(naam, embedding_function=None)
        except Exception as e:
            if "does not exist" in str(e) or "NotFound" in type(e).__name__:
                return None
            with self._vertaal(f"openen van de {soort}"):
                raise

    def _register(self):
        client = self.client
        with self._vertaal("openen van het bronnenregister"):
            return client.get_or_create_collection(f"{self.naam}_bronnen", embedding_function=None)

    def _waar(self) -> str:
        return self.chroma_url or str(self.map)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = len(self.embedder.get_query_embedding("dimensie"))
        return self._dim

    def _identiteit(self) -> dict:
        return {"embedder": embedder_naam(self.embedder), "dim": self.dim, "schema": SCHEMA}

    def controleer(self, collectie=None) -> None:
        """IndexFout als de index met een andere embedder of een ouder schema is gebouwd."""
        collectie = collectie or self._collectie()
        if collectie is None:
            return
        meta = collectie.metadata or {}
        if meta.get("schema") != SCHEMA:
            raise IndexFout(
                f"De index in {self._waar()} heeft een ouder formaat (schema {meta.get('schema')}, nodig {SCHEMA}).",
                f"Bouw hem opnieuw: `{HERBOUW}`.")
        if not self._zelfde_embedder(meta):
            verwacht = embedder_naam(self.embedder)
            raise IndexFout(
                f"De index is gebouwd met embedder '{meta.get('embedder')}' ({meta.get('dim')} dimensies), "
                f"maar ingesteld is '{verwacht}' ({self.dim} dimensies). Vectoren van verschillende embedders "
                "zijn niet te vergelijken.",
                f"Bouw de index opnieuw met de nieuwe embedder: `{HERBOUW}`, of zet ASSISTENT_EMBEDDER terug.")

    def ouder_schema(self) -> bool:
        """Of de index met deze embedder maar in een ouder formaat is gebouwd (dan kan hij uit de bronnen opnieuw)."""
        collectie = self._collectie()
        if collectie is None:
            return False
        meta = collectie.metadata or {}
        return meta.get("schema") != SCHEMA and self._zelfde_embedder(meta)

    def _zelfde_embedder(self, meta: dict) -> bool:
        """Of de index met de ingestelde embedder (naam en dimensie) is gebouwd."""
        return meta.get("embedder") == embedder_naam(self.embedder) and int(meta.get("dim", -1)) == self.dim

    def bestaat(self) -> bool:
        """Of er een gevulde index is."""
        c = self._collectie()
        with self._vertaal("tellen"):
            return c is not None and c.count() > 0

    def vector_store(self) -> ChromaVectorStore:
        """LlamaIndex-vectorstore op de (gecontroleerde) collectie."""
        collectie = self._collectie()
        if collectie is None:
            raise IndexFout(f"Er is nog geen index in {self._waar()}.", "Bouw hem met `assistent indexeer`.")
        self.controleer(collectie)
        return ChromaVectorStore(chroma_collection=collectie)

    def generatie(self) -> int:
        """Teller die bij elke wijziging van de index omhoog gaat."""
        c = self._collectie()
        return int((c.metadata or {}).get("generatie", 0)) if c is not None else -1

    # ----- reading -----

    def alle_nodes(self) -> list[TextNode]:
        """Alle fragmenten (zonder embeddings), in documentvolgorde."""
        store = self.vector_store()
        nodes: list[TextNode] = []
        with self._vertaal("lezen"):
            # In pages: one unbounded get() on ~100k chunks exceeds SQLite's variable limit inside Chroma.
            offset = 0
            while True:
                r = store.client.get(include=["documents", "metadatas"], limit=LEES_BLOK, offset=offset)
                for tekst, meta in zip(r["documents"], r["metadatas"]):
                    node = metadata_dict_to_node(meta, text=tekst)
                    if isinstance(node, TextNode):
                        nodes.append(node)
                if len(r["ids"]) < LEES_BLOK:
                    break
                offset += LEES_BLOK
        nodes.sort(key=lambda n: (n.metadata.get("document", ""), n.metadata.get("volgnr", 0)))
        return nodes

    def zoek_dicht(self, vector: list[float], k: int, filters: MetadataFilters | None = None) -> list[tuple[str, float]]:
        """(node-id, cosinus) van de k dichtstbijzijnde fragmenten."""
        store = self.vector_store()
        with self._vertaal("zoeken"):
            resultaat = store.query(VectorStoreQuery(query_embedding=vector, similarity_top_k=k, filters=filters))
        # Chroma's cosine space returns a distance; LlamaIndex turns it into 1 - distance.
        return list(zip(resultaat.ids or [], resultaat.similarities or []))

    def zoek_zinnen(self, vector: list[float], k: int, waar: dict | None = None) -> list[tuple[str, float]]:
        """(zin-id, cosinus) van de k meest gelijkende bewijszinnen."""
        zinnen = self._zinnen()
        if zinnen is None:
            return []
        with self._vertaal("zoeken in zinnen"):
            r = zinnen.query(query_embeddings=[vector], n_results=k, where=waar or None, include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in zip(r["ids"][0], r["distances"][0])]

    def zin_vectoren(self, ids: list[str]) -> dict[str, list[float]]:
        """Vectoren van bewijszinnen op id (ontbrekende ids ontbreken in het resultaat)."""
        zinnen = self._zinnen()
        if zinnen is None or not ids:
            return {}
        with self._vertaal("lezen van zinnen"):
            r = zinnen.get(ids=list(dict.fromkeys(ids)), include=["embeddings"])
        return dict(zip(r["ids"], r["embeddings"]))

    def woordvectoren(self, woorden: set[str]) -> tuple[list[str], np.ndarray]:
        """De opgeslagen vectoren van deze woorden (woorden zonder vector vallen weg), genormaliseerd."""
        collectie = self._woorden()
        if collectie is None or not woorden:
            return [], np.zeros((0, 0), dtype=np.float32)
        gevonden, vectoren = [], []
        lijst = sorted(woorden)
        with self._vertaal("lezen van woorden"):
            for i in range(0, len(lijst), LEES_BLOK):
                r = collectie.get(ids=lijst[i : i + LEES_BLOK], include=["embeddings"])
                gevonden += r["ids"]
                vectoren += list(r["embeddings"])
        if not gevonden:
            return [], np.zeros((0, 0), dtype=np.float32)
        m = np.asarray(vectoren, dtype=np.float32)
        return gevonden, m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)

    def _voeg_woorden_toe(self, nodes: list[TextNode]) -> None:
        """Vectoren voor de woorden van deze fragmenten die de woordencollectie nog niet heeft."""
        collectie = self._woorden(maak=True)
        woorden = sorted(vertaalwoorden(nodes))
        bekend: set[str] = set()
        for i in range(0, len(woorden), LEES_BLOK):
            bekend.update(collectie.get(ids=woorden[i : i + LEES_BLOK], include=[])["ids"])
        nieuw = [w for w in woorden if w not in bekend]
        for i in range(0, len(nieuw), WOORD_BATCH):
            deel = nieuw[i : i + WOORD_BATCH]
            collectie.add(ids=deel, embeddings=self.embedder.get_text_embedding_batch(deel))

    def bronnen(self) -> list[dict]:
        """Het bronnenregister: per document titel, bestand, hash, pagina's en fragmenten."""
        register = self._register()
        with self._vertaal("lezen van het bronnenregister"):
            r = register.get(include=["metadatas"])
        return sorted((m for m in r["metadatas"] or []), key=lambda m: m.get("document", ""))

    def paginas(self, document: str) -> list[str]:
        """Opgeschoonde paginateksten van een document."""
        register = self._register()
        with self._vertaal("lezen van het bronnenregister"):
            r = register.get(ids=[document], include=["documents"])
        if not r["ids"]:
            raise IndexFout(f"Onbekend document '{document}'.", "Zie `assistent bronnen` voor de documenten.")
        return json.loads(r["documents"][0])

    # ----- writing -----

    @contextmanager
    def _slot(self) -> Iterator[None]:
        self.map.mkdir(parents=True, exist_ok=True)
        pad = self.map / ".indexeer.lock"
        f = pad.open("a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            pid = f.read().strip()
            f.close()
            raise IndexBezet(f"Er loopt al een indexering op {self._waar()} (proces {pid or '?'}).",
                             "Wacht tot die klaar is en probeer het dan opnieuw.") from None
        try:
            f.seek(0)
            f.truncate()
            f.write(str(os.getpid()))
            f.flush()
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
            f.close()

    @staticmethod
    def _zet_meta(collectie, **waarden) -> None:
        # hnsw settings live in the configuration, not in the metadata we modify.
        meta = {k: v for k, v in (collectie.metadata or {}).items() if not k.startswith("hnsw:")}
        collectie.modify(metadata=meta | waarden)

    def _verhoog_generatie(self, collectie) -> None:
        self._zet_meta(collectie, generatie=int((collectie.metadata or {}).get("generatie", 0)) + 1, bezig=False)

    def wis(self) -> None:
        """De hele index (fragmenten en register) verwijderen; een beschadigde lokale index wordt weggegooid."""
        try:
            client = self.client
            for naam in (self.naam, f"{self.naam}_bronnen", f"{self.naam}_zinnen", f"{self.naam}_woorden"):
                try:
                    client.delete_collection(naam)
                except Exception as e:
                    if not ("does not exist" in str(e) or "NotFound" in type(e).__name__):
                        raise
            gezond = self._sqlite_gezond()
        except IndexFout:
            if self.chroma_url:
                raise
            gezond = False
        except Exception:
            if self.chroma_url:
                with self._vertaal("wissen"):
                    raise
            gezond = False
        if not gezond:
            # The local chroma/ folder holds generated files only, so a damaged one is simply removed.
            log.warning("De index in %s is beschadigd; de map wordt leeggemaakt en opnieuw opgebouwd.", self.map)
            self._vergeet_systeem()
            try:
                if self._chroma_map.is_dir():
                    # A journal file may vanish while we delete (sqlite closing in the background): ignore that.
                    shutil.rmtree(self._chroma_map, onerror=_negeer_verdwenen)
                elif self._chroma_map.exists():
                    self._chroma_map.unlink()
            except OSError as e:
                raise IndexFout(f"De beschadigde index in {self._chroma_map} kon niet verwijderd worden ({e}).",
                                f"Verwijder die map met de hand (alleen gegenereerde bestanden) en draai `{HERBOUW}`.") from e

    def _sqlite_gezond(self) -> bool:
        """Of de SQLite-database van een lokale index de integriteitscontrole doorstaat."""
        db = self._chroma_map / "chroma.sqlite3"
        if self.chroma_url or not db.exists():
            return True
        try:
            with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
                return con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except sqlite3.Error:
            return False

    def _plan(self, bronmap: Path, s: Samenvatting, melding: Callable[[str], None],
              bekend: dict[str, dict]) -> list[bronnen_mod.Bron]:
        """Bronnen met hash en unieke id; onleesbare bestanden en duplicaten komen in s.mislukt."""
        catalogus = bronnen_mod.lees_catalogus(bronmap)
        bestanden = bronnen_mod.vind_bestanden(bronmap)
        if not bestanden:
            melding(f"Geen bronbestanden (.pdf, .txt, .md) gevonden in {bronmap}. Zet de publicaties in die map "
                    "of wijs ASSISTENT_BRONNEN naar de juiste map.")
        kandidaten: list[bronnen_mod.Bron] = []
        for pad in bestanden:
            bron = bronnen_mod.bron_voor(pad, catalogus)
            try:
                bron.hash = bronnen_mod.bestandshash(pad)
            except OSError as e:
                s.mislukt[pad.name] = f"niet te lezen ({e.strerror or e})"
                melding(f"Overgeslagen: {pad.name}: niet te lezen ({e.strerror or e}). Controleer de bestandsrechten.")
                continue
            kandidaten.append(bron)

        # Of identical files keep the catalogued one, else the one already indexed, else the first by name.
        def voorkeur(bron: bronnen_mod.Bron) -> tuple:
            al_binnen = bekend.get(bron.naam, {}).get("hash") == bron.hash
            return (not bron.in_catalogus, not al_binnen, bron.naam)

        houder: dict[str, str] = {}
        for bron in sorted(kandidaten, key=voorkeur):
            houder.setdefault(bron.hash, bron.naam)
        gezien_id: set[str] = set()
        plan: list[bronnen_mod.Bron] = []
        leeg = hashlib.sha256(b"").hexdigest()
        for bron in kandidaten:
            # Empty files are all 'identical'; they are reported as empty by the reader instead.
            if bron.hash != leeg and houder[bron.hash] != bron.naam:
                reden = f"zelfde inhoud als {houder[bron.hash]}"
                s.mislukt[bron.naam] = reden
                melding(f"Overgeslagen: {bron.naam}: {reden}. Verwijder een van beide uit {bronmap}.")
                continue
            if bron.id in gezien_id:
                bron.id = f"{bron.id}-{bron.hash[:6]}"
            gezien_id.add(bron.id)
            plan.append(bron)
        return plan

    def bouw(self, bronmap: Path, opnieuw: bool = False, voortgang: bool = True,
             melding: Callable[[str], None] = log.warning,
             bij_voortgang: Callable[[dict], None] | None = None) -> Samenvatting:
        """Incrementeel indexeren op inhoudshash: nieuw toevoegen, gewijzigd vervangen, verdwenen verwijderen.

        `bij_voortgang` krijgt per bestand en per blok fragmenten: bestand, bestand_nr, bestanden, gedaan, totaal."""
        start = time.perf_counter()
        s = Samenvatting()
        with self._slot():
            if opnieuw:
                self.wis()
            collectie = self._collectie(maak=True)
            self.controleer(collectie)
            with self._vertaal("indexeren"):
                self._bouw(collectie, bronmap, s, voortgang, melding, bij_voortgang or (lambda _: None))
        s.seconden = time.perf_counter() - start
        return s

    def _bouw(self, collectie, bronmap: Path, s: Samenvatting, voortgang: bool,
              melding: Callable[[str], None], bij_voortgang: Callable[[dict], None]) -> None:
        store = ChromaVectorStore(chroma_collection=collectie)
        register = self._register()
        bekend = {m["bestand"]: m for m in (register.get(include=["metadatas"])["metadatas"] or [])}
        plan = self._plan(bronmap, s, melding, bekend)
        aanwezig = {b.naam for b in plan}
        # 'bezig' is set before the first write and cleared with the generation bump: a run killed in between
        # still makes the next run bump the generation, so readers reload what the killed run changed.
        onderbroken = bool((collectie.metadata or {}).get("bezig"))
        begonnen = False

        def begin() -> None:
            nonlocal begonnen
            if not begonnen:
                self._zet_meta(collectie, bezig=True)
                begonnen = True

        # Deletions first: a renamed file may reuse the document id (and chunk ids) of the vanished one.
        # Duplicates go too, or their old chunks would stay next to the copy that is kept.
        for naam, oud in bekend.items():
            weg = naam not in aanwezig and (naam not in s.mislukt or s.mislukt[naam].startswith("zelfde inhoud"))
            if weg:
                begin()
                self._verwijder_bestand(store, register, oud)
                s.verwijderd.append(naam)
        balk = tqdm(plan, desc="Indexeren", unit="bestand", disable=not voortgang)
        for nr, bron in enumerate(balk):
            balk.set_postfix_str(bron.naam[:40])
            stand = {"bestand": bron.naam, "bestand_nr": nr, "bestanden": len(plan), "gedaan": 0, "totaal": 0}
            bij_voortgang(stand)
            oud = bekend.get(bron.naam)
            if (oud and oud.get("hash") == bron.hash and oud.get("volledig") and oud.get("document") == bron.id
                    and oud.get("verwerking") == bronnen_mod.VERWERKING):
                s.overgeslagen.append(bron.naam)
                s.bestanden += 1
                s.paginas += int(oud.get("paginas", 0))
                s.fragmenten += int(oud.get("fragmenten", 0))
                continue
            if not bron.in_catalogus:
                w = f"{bron.naam} staat niet in {bronnen_mod.CATALOGUS}; titel afgeleid: '{bron.titel}'. " \
                    f"Voeg een regel toe aan {bronmap / bronnen_mod.CATALOGUS} voor een nette titel."
                s.waarschuwingen.append(w)
                melding(w)
            try:
                gelezen = bronnen_mod.lees_bron(bron)
            except BronFout as e:
                s.mislukt[bron.naam] = e.melding
                melding(f"Overgeslagen: {e.melding}. {e.oplossing}")
                if oud:  # the old version is no longer what is in bronnen/; drop it too
                    begin()
                    self._verwijder_bestand(store, register, oud)
                    s.verwijderd.append(bron.naam)
                continue
            begin()
            self._schrijf(store, register, gelezen, oud, voortgang,
                          lambda gedaan, totaal: bij_voortgang(stand | {"gedaan": gedaan, "totaal": totaal}))
            (s.vervangen if oud else s.nieuw).append(bron.naam)
            s.bestanden += 1
            s.paginas += len(gelezen.paginas)
            s.fragmenten += len(gelezen.fragmenten)
        if s.gewijzigd or onderbroken:
            self._verhoog_generatie(collectie)

    def _verwijder_bestand(self, store: ChromaVectorStore, register, oud: dict) -> None:
        _verwijder_fragmenten(store, oud["bestand"], self._zinnen(maak=True))
        register.delete(ids=[oud["document"]])

    def _schrijf(self, store: ChromaVectorStore, register, gelezen: bronnen_mod.GelezenBron, oud: dict | None,
                 voortgang: bool, bij_blok: Callable[[int, int], None] = lambda gedaan, totaal: None) -> None:
        bron = gelezen.bron
        # Crash safety: the register entry is written last and marked complete, so a killed run is redone
        # from scratch for this file on the next run (old chunks of the file are always deleted first).
        register.upsert(ids=[bron.id], embeddings=[[1.0]], documents=[json.dumps(gelezen.paginas, ensure_ascii=False)],
                        metadatas=[self._registerregel(gelezen, volledig=False)])
        zinnen = self._zinnen(maak=True)
        _verwijder_fragmenten(store, bron.naam, zinnen)
        if oud and oud.get("document") != bron.id:
            register.delete(ids=[oud["document"]])
        nodes = gelezen.fragmenten
        balk = tqdm(total=len(nodes), desc=f"  {bron.naam[:30]}", unit="fragment", leave=False, disable=not voortgang)
        for i in range(0, len(nodes), EMBED_BATCH):
            deel = nodes[i : i + EMBED_BATCH]
            # One embedding per evidence sentence; the chunk vector is their normalised mean, so each text is
            # embedded once (embedding dominates indexing time).
            spannen = [bewijszinnen(n) or [(0, len(n.text))] for n in deel]
            teksten = [embedtekst_zin(n, b, e) for n, sp in zip(deel, spannen) for b, e in sp]
            vectoren = np.asarray(self.embedder.get_text_embedding_batch(teksten), dtype=np.float32)
            ids, metas, pos = [], [], 0
            for n, sp in zip(deel, spannen):
                blok = vectoren[pos : pos + len(sp)]
                pos += len(sp)
                gemiddeld = blok.mean(axis=0)
                n.embedding = (gemiddeld / (np.linalg.norm(gemiddeld) or 1.0)).tolist()
                m = n.metadata
                for j, (b, e) in enumerate(sp):
                    ids.append(zin_id(n.node_id, j))
                    metas.append({"node_id": n.node_id, "nr": j, "begin": b, "eind": e, "bestand": m["bestand"],
                                  "document": m.get("document", ""), "aanbeveling": m.get("aanbeveling", 0)})
            zinnen.add(ids=ids, embeddings=vectoren.tolist(), metadatas=metas)
            store.add(deel)
            balk.update(len(deel))
            bij_blok(min(i + EMBED_BATCH, len(nodes)), len(nodes))
        balk.close()
        # English questions are mapped onto the words of the sources by meaning (zoeken.Zoeker.vertaal).
        self._voeg_woorden_toe(nodes)
        register.upsert(ids=[bron.id], embeddings=[[1.0]], documents=[json.dumps(gelezen.paginas, ensure_ascii=False)],
                        metadatas=[self._registerregel(gelezen, volledig=True)])

    @staticmethod
    def _registerregel(gelezen: bronnen_mod.GelezenBron, volledig: bool) -> dict:
        b = gelezen.bron
        return {
            "document": b.id, "bestand": b.naam, "hash": b.hash, "titel": b.titel,
            "korte_titel": b.korte_titel or b.titel, "uitgever": b.uitgever, "jaar": b.jaar or 0, "soort": b.soort,
            "paginas": len(gelezen.paginas), "fragmenten": len(gelezen.fragmenten), "volledig": volledig,
            "verwerking": bronnen_mod.VERWERKING,
            "in_catalogus": b.in_catalogus,
            "geindexeerd": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }

    def markeer_opnieuw(self, document: str | None = None) -> list[str]:
        """Eén document (of alle) als onvolledig markeren: de volgende `bouw` verwerkt ze opnieuw."""
        register = self._register()
        with self._vertaal("bijwerken van het bronnenregister"):
            r = register.get(ids=[document] if document else None, include=["metadatas"])
            if r["ids"]:
                register.update(ids=r["ids"], metadatas=[m | {"volledig": False} for m in r["metadatas"]])
        return list(r["ids"])
