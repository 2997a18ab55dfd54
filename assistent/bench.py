"""`assistent bench`: meet indexeren, zoeken, antwoorden, de API onder last en het geheugen."""

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

UITVOER = Path("bench/uitvoer")
VRAGEN = [
    "Wat zijn de zeven aanbevelingen?", "Hoeveel inwoners heeft de wijk Overvecht-Noord?", "Wat zijn koppelkansen?",
    "Hoe bereik je bewoners die normaal niet meedoen?", "Wat doe je als de projectleider vertrekt?",
    "Welke wijken deden mee?", "Wat is het transitieperspectief?", "Wat kost een warmtepomp?",
]
DOELEN = {
    "index_bronnen_s": ("≤", 15.0), "index_schaal_s": ("≤", 300.0), "extractief_p50_ms": ("≤", 100.0),
    "zoeken_100k_p50_ms": ("≤", 100.0), "api_p95_s": ("≤", 1.0), "api_fouten": ("≤", 0),
    "rss_onder_last_mb": ("≤", 800.0), "llamacpp_eerste_token_s": ("≤", 2.0),
}


def _pct(waarden: list[float], p: float) -> float:
    if not waarden:
        return float("nan")
    s = sorted(waarden)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def _instellingen(**extra):
    from assistent.config import Instellingen

    return Instellingen(**extra)


def _gegenereerde_bronnen(bron: Path, doel: Path, paginas: int) -> int:
    """Realistische Nederlandse tekst: alinea's van de bronnen hercombineerd tot `paginas` pagina's."""
    from assistent import bronnen as b

    alineas: list[str] = []
    catalogus = b.lees_catalogus(bron)
    for pad in b.vind_bestanden(bron):
        try:
            gelezen = b.lees_bron(b.bron_voor(pad, catalogus))
        except Exception:
            continue
        # Cleaned paragraphs of real prose (not table rows): a generated page carries about 400 words.
        alineas += [a for n in gelezen.fragmenten if n.metadata["soort"] == "tekst" for a in n.text.split("\n")
                    if len(a.split()) > 20]
    rnd = random.Random(42)
    doel.mkdir(parents=True, exist_ok=True)
    (doel / b.CATALOGUS).write_text("".join(f'["gegenereerd-{i:04d}.txt"]\nid = "gen-{i:04d}"\ntitel = "Gegenereerd {i}"\n\n'
                                             for i in range(0, paginas // 20 + 1)), encoding="utf-8")
    per_bestand = 20
    for f in range(0, paginas, per_bestand):
        blad = []
        for p in range(f, min(paginas, f + per_bestand)):
            kop = f"Deel {p + 1}: ervaringen in wijk {rnd.randint(1, 500)}"
            tekst = []
            while sum(len(a.split()) for a in tekst) < 400:
                tekst.append(rnd.choice(alineas))
            blad.append(kop + "\n" + "\n".join(tekst))
        (doel / f"gegenereerd-{f // per_bestand:04d}.txt").write_text("\f".join(blad), encoding="utf-8")
    return paginas


def meet_index(bronmap: Path, schaal: int) -> dict:
    """Bouwtijd van de index voor de bronnen en voor een gegenereerd corpus."""
    from assistent.backends import maak_embedder
    from assistent.index import Index

    embedder = maak_embedder(_instellingen().embedder)
    uit: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        s = Index(Path(tmp) / "a", embedder).bouw(bronmap, voortgang=False)
        uit |= {"index_bronnen_s": round(s.seconden, 2), "index_bronnen_paginas_per_s": round(s.paginas / s.seconden, 1),
                "index_bronnen_fragmenten": s.fragmenten}
        if schaal > 0:
            gen = Path(tmp) / "gen"
            _gegenereerde_bronnen(bronmap, gen, schaal)
            s = Index(Path(tmp) / "b", embedder).bouw(gen, voortgang=True)
            uit |= {"index_schaal_paginas": s.paginas, "index_schaal_fragmenten": s.fragmenten,
                    "index_schaal_s": round(s.seconden, 1), "index_schaal_paginas_per_s": round(s.paginas / s.seconden, 2)}
    return uit


def meet_zoeken_schaal(aantallen: list[int], herhalingen: int = 30) -> dict:
    """Zoeklatentie bij 10k/100k fragmenten: echte tekst, vectoren = echte e5-vectoren met ruis."""
    import numpy as np
    from llama_index.core.schema import TextNode

    from assistent.backends import maak_embedder
    from assistent.index import Index, zoektekst
    from assistent.zoeken import Zoeker

    embedder = maak_embedder(_instellingen().embedder)
    uit: dict = {}
    bron = _instellingen().bronnen
    with tempfile.TemporaryDirectory() as tmp:
        basis = Index(Path(tmp) / "basis", embedder)
        basis.bouw(bron, voortgang=False)
        nodes = basis.alle_nodes()
        vectoren = np.array(embedder.get_text_embedding_batch([zoektekst(n) for n in nodes]), dtype=np.float32)
        rnd = np.random.default_rng(1)
        for n in aantallen:
            idx = Index(Path(tmp) / f"s{n}", embedder)
            coll = idx._collectie(maak=True)
            store = idx.vector_store()
            toegevoegd = 0
            while toegevoegd < n:
                stap = min(2000, n - toegevoegd)
                keuze = rnd.integers(0, len(nodes), stap)
                v = vectoren[keuze] + rnd.normal(0, 0.03, (stap, vectoren.shape[1])).astype(np.float32)
                v /= np.linalg.norm(v, axis=1, keepdims=True)
                batch = []
                for j, (k, vec) in enumerate(zip(keuze, v)):
                    bron_node = nodes[int(k)]
                    meta = dict(bron_node.metadata) | {"document": f"gen{(toegevoegd + j) // 50}", "volgnr": toegevoegd + j}
                    batch.append(TextNode(id_=f"gen-{toegevoegd + j}", text=bron_node.text, metadata=meta,
                                          embedding=vec.tolist()))
                store.add(batch)
                toegevoegd += stap
            idx._verhoog_generatie(coll)
            zoeker = Zoeker(idx)
            t = time.perf_counter()
            zoeker.ververs()
            laad = time.perf_counter() - t
            tijden = []
            for i in range(herhalingen):
                t = time.perf_counter()
                zoeker.zoek(VRAGEN[i % len(VRAGEN)])
                tijden.append((time.perf_counter() - t) * 1000)
            naam = f"{n // 1000}k"
            uit |= {f"zoeken_{naam}_p50_ms": round(_pct(tijden, 50), 1), f"zoeken_{naam}_p95_ms": round(_pct(tijden, 95), 1),
                    f"zoeken_{naam}_laden_s": round(laad, 1)}
            print(f"  zoeken bij {n} fragmenten: p50 {uit[f'zoeken_{naam}_p50_ms']} ms", file=sys.stderr)
    return uit


def meet_antwoorden(herhalingen: int = 3) -> dict:
    """Antwoordtijd per beschikbare modus (extractief altijd; llama.cpp als het GGUF er is)."""
    from assistent.dienst import Dienst

    uit: dict = {}
    d = Dienst(_instellingen(llm="extractief"))
    d.zorg_voor_index()
    d.vraag(VRAGEN[0])  # warm: models and snapshot loaded once per process
    zoek, totaal = [], []
    for _ in range(herhalingen):
        for v in VRAGEN:
            t = time.perf_counter()
            d.zoeker.zoek(v)
            zoek.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            d.vraag(v, modus="extractief")
            totaal.append((time.perf_counter() - t) * 1000)
    uit |= {"zoeken_bronnen_p50_ms": round(_pct(zoek, 50), 1), "zoeken_bronnen_p95_ms": round(_pct(zoek, 95), 1),
            "extractief_p50_ms": round(_pct(totaal, 50), 1), "extractief_p95_ms": round(_pct(totaal, 95), 1)}
    gguf = os.environ.get("ASSISTENT_GGUF") or (Path(".modellen/qwen2.5-coder-0.5b-instruct.gguf")
                                                 if Path(".modellen/qwen2.5-coder-0.5b-instruct.gguf").exists() else None)
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        gguf = None
    if gguf:
        d2 = Dienst(_instellingen(llm="llamacpp", gguf=Path(gguf), max_tokens=80))
        eerste, klaar = [], []
        for v in VRAGEN[:3]:
            t = time.perf_counter()
            gezien = False
            for g in d2.vraag_stream(v, modus="llamacpp"):
                if g.soort == "token" and not gezien:
                    eerste.append(time.perf_counter() - t)
                    gezien = True
            klaar.append(time.perf_counter() - t)
        uit |= {"llamacpp_eerste_token_s": round(_pct(eerste, 50), 2), "llamacpp_eerste_token_p95_s": round(_pct(eerste, 95), 2),
                "llamacpp_totaal_p50_s": round(_pct(klaar, 50), 2), "llamacpp_totaal_p95_s": round(_pct(klaar, 95), 2)}
    return uit


def _vrije_poort() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int, veld: str = "VmRSS") -> float:
    for regel in Path(f"/proc/{pid}/status").read_text().splitlines():
        if regel.startswith(veld + ":"):
            return int(regel.split()[1]) / 1024
    return float("nan")


def meet_api(clients: int = 8, seconden: float = 5.0) -> dict:
    """Doorvoer en latentie van POST /api/v1/vraag met N gelijktijdige clients op loopback."""
    import httpx

    if not Path("app.py").exists():
        return {"api": "app.py ontbreekt"}
    poort = _vrije_poort()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(poort)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=os.environ | {"ASSISTENT_LLM": "extractief"})
    url = f"http://127.0.0.1:{poort}"
    try:
        for _ in range(240):
            try:
                if httpx.get(url + "/api/v1/status", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            return {"api": "server start niet"}
        rss_rust = _rss_mb(proc.pid)
        tijden: list[float] = []
        fouten = [0]
        slot = threading.Lock()
        eind = time.monotonic() + seconden

        def client(i: int) -> None:
            with httpx.Client(timeout=30) as c:
                n = 0
                while time.monotonic() < eind and n < 500:
                    t = time.perf_counter()
                    try:
                        r = c.post(url + "/api/v1/vraag", json={"vraag": VRAGEN[(i + n) % len(VRAGEN)]})
                        ok = r.status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    with slot:
                        tijden.append(time.perf_counter() - t)
                        fouten[0] += 0 if ok else 1
                    n += 1

        start = time.monotonic()
        draden = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for d in draden:
            d.start()
        for d in draden:
            d.join()
        duur = time.monotonic() - start
        return {"api_clients": clients, "api_verzoeken": len(tijden), "api_per_s": round(len(tijden) / duur, 1),
                "api_p50_s": round(_pct(tijden, 50), 3), "api_p95_s": round(_pct(tijden, 95), 3), "api_fouten": fouten[0],
                "rss_rust_mb": round(rss_rust, 1), "rss_onder_last_mb": round(_rss_mb(proc.pid, "VmHWM"), 1)}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def installatiegrootte_mb() -> float:
    """Grootte van wijkassistent en al zijn (niet-optionele) afhankelijkheden op schijf."""
    gezien: set[str] = set()
    rij = ["wijkassistent"]
    totaal = 0
    while rij:
        naam = rij.pop().lower().replace("_", "-")
        if naam in gezien:
            continue
        gezien.add(naam)
        try:
            dist = metadata.distribution(naam)
        except metadata.PackageNotFoundError:
            continue
        for f in dist.files or []:
            try:
                totaal += f.locate().stat().st_size
            except OSError:
                pass
        for req in dist.requires or []:
            if "extra ==" in req:
                continue
            rij.append(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0])
    return round(totaal / 1e6, 1)


def vergelijk(nu: dict, vorige: dict | None) -> list[tuple[str, object, object, str]]:
    """Rijen (metriek, nu, vorige, doel-uitslag)."""
    rijen = []
    for k, v in nu.items():
        if k.startswith("_"):
            continue
        doel = ""
        if k in DOELEN and isinstance(v, (int, float)):
            teken, grens = DOELEN[k]
            doel = f"{'✓' if v <= grens else '✗'} {teken} {grens}"
        rijen.append((k, v, (vorige or {}).get(k, ""), doel))
    return rijen


def grafiek(nu: dict, vorige: dict | None, pad: Path) -> None:
    """PNG: elke metriek met een doel als aandeel van dat doel (links van 1 = gehaald), nu en vorige run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namen = [k for k in DOELEN if isinstance(nu.get(k), (int, float))]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(namen) + 1.5))
    y = range(len(namen))

    def aandeel(run: dict, k: str) -> float:
        grens = DOELEN[k][1]
        return (run.get(k, 0) / grens) if grens else (0.0 if run.get(k, 0) == 0 else 2.0)

    if vorige:
        ax.barh([i + 0.2 for i in y], [aandeel(vorige, k) for k in namen], height=0.4, color="#bbbbbb", label="vorige")
    kleuren = ["#2e8b57" if aandeel(nu, k) <= 1 else "#c0392b" for k in namen]
    ax.barh([i - 0.2 for i in y], [aandeel(nu, k) for k in namen], height=0.4, color=kleuren, label="nu")
    for i, k in enumerate(namen):
        ax.text(aandeel(nu, k) + 0.02, i - 0.2, f"{nu[k]} (doel {DOELEN[k][0]} {DOELEN[k][1]})", va="center", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(list(y), namen)
    ax.invert_yaxis()
    ax.set_xlabel("waarde / doel (≤ 1 is gehaald)")
    ax.set_title(f"assistent bench {nu.get('_moment', '')}, {nu.get('_cpu', '?')} kernen")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(pad, dpi=100)
    plt.close(fig)


def draai(args) -> int:
    UITVOER.mkdir(parents=True, exist_ok=True)
    resultaat: dict = {"_moment": datetime.now().isoformat(timespec="seconds"), "_cpu": os.cpu_count()}
    bron = _instellingen().bronnen
    stappen = [("index", lambda: meet_index(bron, args.schaal)),
               ("antwoorden", meet_antwoorden),
               ("zoeken op schaal", lambda: meet_zoeken_schaal([10_000, 100_000] if not args.snel else [10_000])),
               ("api", lambda: meet_api(args.clients)),
               ("installatie", lambda: {"installatie_mb": installatiegrootte_mb()})]
    for naam, stap in stappen:
        print(f"… {naam}", file=sys.stderr)
        resultaat |= stap()
    eerdere = sorted(UITVOER.glob("bench-*.json"))
    vorige = json.loads(eerdere[-1].read_text()) if eerdere else None
    pad = UITVOER / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    pad.write_text(json.dumps(resultaat, indent=2, ensure_ascii=False))
    shutil.copy(pad, UITVOER / "laatste.json")
    grafiek(resultaat, vorige, pad.with_suffix(".png"))
    if args.json:
        print(json.dumps(resultaat, indent=2, ensure_ascii=False))
    else:
        print(f"{'metriek':<32} {'nu':>12} {'vorige':>12}  doel")
        for k, v, w, doel in vergelijk(resultaat, vorige):
            print(f"{k:<32} {v!s:>12} {w!s:>12}  {doel}")
        print(f"\nGeschreven: {pad} en {pad.with_suffix('.png')}")
    return 0


def registreer(sub) -> None:
    s = sub.add_parser("bench", help="meet snelheid, schaal en geheugen (figuren, geen tests)")
    s.add_argument("--schaal", type=int, default=1000, help="pagina's in het gegenereerde corpus (standaard 1000)")
    s.add_argument("--clients", type=int, default=8, help="gelijktijdige API-clients")
    s.add_argument("--snel", action="store_true", help="zonder de meting bij 100k fragmenten")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=draai)
