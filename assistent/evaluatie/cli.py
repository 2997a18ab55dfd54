"""`assistent evalueer`: de evalset draaien, rapporteren, vergelijken en de steuncontrole valideren."""

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from assistent.evaluatie import metrieken as mt

STANDAARD_SET = Path("evals/vragen.jsonl")
STANDAARD_PAREN = Path("evals/steun_paren.jsonl")
DOEL_AFWIJZEN = DOEL_AANVAARDEN = 0.9
DOEL_KAPPA = 0.6


def registreer(sub) -> None:
    """Voegt het subcommando `evalueer` toe."""
    s = sub.add_parser("evalueer", help="de evalset draaien en de kwaliteit in cijfers zien")
    s.add_argument("--set", type=Path, default=STANDAARD_SET, help=f"evalset in JSON lines (standaard {STANDAARD_SET})")
    s.add_argument("--modus", action="append", metavar="MODUS[,MODUS…]",
                   help="antwoordmodus (standaard uit de instellingen): auto, extractief, openai, ollama, llamacpp of "
                        "llamacpp:<pad.gguf>; meer dan één (met komma's of herhaald) vergelijkt de modi in één tabel")
    s.add_argument("--max-vragen", type=int, help="alleen de eerste N vragen van de set (snelle vergelijking)")
    s.add_argument("--json", action="store_true", help='{"metrieken": …, "vragen": […]} naar stdout')
    s.add_argument("--uitvoer", type=Path, help="map voor rapport.json, rapport.md en metrieken.png")
    s.add_argument("--vergelijk", type=Path, help="een eerder rapport.json om tegen af te zetten")
    s.add_argument("--valideer", action="store_true",
                   help="de steuncontrole valideren (verstoringssuite en gelabelde paren) in plaats van de evalset")
    s.add_argument("--paren", type=Path, default=STANDAARD_PAREN, help="gelabelde paren voor --valideer")
    s.add_argument("--rechter", choices=["ollama"], help="ook een taalmodel laten oordelen en de overeenstemming tonen")
    s.set_defaults(func=cmd_evalueer)


def _dienst():
    from assistent.config import Instellingen
    from assistent.dienst import Dienst

    return Dienst(Instellingen())


def _rechter(instellingen):
    from assistent.evaluatie.rechter import OllamaRechter

    r = OllamaRechter(instellingen.ollama_url, instellingen.ollama_model, instellingen.ollama_timeout_s)
    r.controleer()
    return r


def cmd_evalueer(args) -> int:
    """Ingang van het subcommando."""
    from assistent.evaluatie.modi import modi_uit

    dienst = _dienst()
    if args.valideer:
        return _valideer(dienst, args)
    modi = modi_uit(args.modus)
    if len(modi) > 1:
        return _vergelijk_modi(dienst, args, modi)
    args.modus = modi[0] if modi else None
    return _evalueer(dienst, args)


def _vergelijk_modi(dienst, args, modi: list[str]) -> int:
    import os

    from assistent.evaluatie import modi as md
    from assistent.evaluatie.runner import laad_set

    vragen = laad_set(args.set)[:args.max_vragen or None]
    uitslag = md.vergelijk(dienst, vragen, modi)
    uitslag["run"] = {"set": str(args.set), "vragen": len(vragen), "modi": modi,
                      "moment": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      "belasting": round(os.getloadavg()[0], 1), "kernen": os.cpu_count()}
    if args.uitvoer:
        md.schrijf(args.uitvoer, uitslag)
    if args.json:
        print(json.dumps(uitslag, ensure_ascii=False, indent=2, default=str))
    else:
        print(md.tabel_md(uitslag))
        if args.uitvoer:
            print(f"\nRapport: {args.uitvoer / 'modi.md'}, {args.uitvoer / 'modi.json'}, {args.uitvoer / 'modi.png'}")
    return 0


# ---------------- eval run ----------------

def _evalueer(dienst, args) -> int:
    from assistent.evaluatie.runner import evalueer, laad_set

    vragen = laad_set(args.set)
    rechter = _rechter(dienst.instellingen) if args.rechter else None
    uitslag = evalueer(dienst, vragen, modus=args.modus, voortgang=True)
    uitslag["run"] = {"set": str(args.set), "modus": args.modus or dienst.instellingen.llm, "vragen": len(vragen),
                      "moment": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      "embedder": dienst.instellingen.embedder}
    if rechter is not None:
        uitslag["rechter"] = _rechter_op_antwoorden(rechter, uitslag["vragen"])
    vorige = _lees_vorige(args.vergelijk) if args.vergelijk else None
    instellingen = dienst.instellingen
    fouten = mt.overtredingen(uitslag["metrieken"], instellingen.drempels, instellingen.maxima)
    if args.uitvoer:
        schrijf_rapport(args.uitvoer, uitslag, instellingen.drempels, instellingen.maxima, vorige)
    if args.json:
        print(json.dumps(uitslag, ensure_ascii=False, indent=2))
    else:
        print(tabel(uitslag["metrieken"], instellingen.drempels, instellingen.maxima, vorige))
        if "rechter" in uitslag:
            r = uitslag["rechter"]
            print(f"\nRechter ({r['model']}): {r['n']} zinnen, overeenstemming met de lexicale controle "
                  f"{r['overeenstemming']:.1%}, κ {_f(r['kappa'])}.")
        if args.uitvoer:
            print(f"\nRapport: {args.uitvoer / 'rapport.md'}, {args.uitvoer / 'rapport.json'}, "
                  f"{args.uitvoer / 'metrieken.png'}")
    for f in fouten:
        print(f"Onder de maat: {f}", file=sys.stderr)
    return 1 if fouten else 0


def _lees_vorige(pad: Path) -> dict:
    from assistent.fouten import ConfiguratieFout

    try:
        data = json.loads(Path(pad).read_text(encoding="utf-8"))
        return data["metrieken"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfiguratieFout(f"Het vorige rapport {pad} is niet te lezen ({e}).",
                               "Geef met --vergelijk een rapport.json van een eerdere run.") from None


def _rechter_op_antwoorden(rechter, rijen: list[dict]) -> dict:
    from assistent import citaten as cit

    lexicaal, model = [], []
    for rij in rijen:
        per_nr = {c["nr"]: c["tekst"] for c in rij.get("citaten", [])}
        for z in cit.splits_antwoord(rij.get("antwoord", "")):
            nrs = [n for n in z.markers if n in per_nr]
            if not nrs:
                continue
            passage = "\n".join(per_nr[n] for n in nrs)
            kaal = cit.zonder_markers(z.tekst)
            lexicaal.append(cit.steun(kaal, passage).ok)
            model.append(rechter.oordeel(kaal, passage))
    n = len(lexicaal)
    return {"model": rechter.model, "n": n,
            "overeenstemming": sum(a == b for a, b in zip(lexicaal, model)) / n if n else None,
            "kappa": mt.cohen_kappa(lexicaal, model) if n else None}


def _f(w) -> str:
    if w is None:
        return "–"
    return f"{w:.3f}"


def tabel(metrieken: dict, drempels: dict, maxima: dict, vorige: dict | None = None) -> str:
    """De metrieken als teksttabel met drempel, status en (optioneel) verschil met de vorige run."""
    kop = f"{'metriek':<22}{'waarde':>9}{'grens':>10}  {'status':<8}" + (f"{'vorige':>9}{'verschil':>10}" if vorige else "")
    regels = [kop, "-" * len(kop)]
    for naam in mt.METRIEKEN:
        w = metrieken.get(naam)
        if naam in drempels:
            grens, ok = f"≥ {drempels[naam]:.2f}", w is None or w >= drempels[naam]
        elif naam in maxima:
            grens, ok = f"≤ {maxima[naam]:.2f}", w is None or w <= maxima[naam]
        else:
            grens, ok = "", True
        status = "" if not grens else ("ok" if ok else "ONDER" if naam in drempels else "BOVEN")
        regel = f"{naam:<22}{_f(w):>9}{grens:>10}  {status:<8}"
        if vorige:
            v = vorige.get(naam)
            verschil = f"{w - v:+.3f}" if w is not None and v is not None else "–"
            regel += f"{_f(v):>9}{verschil:>10}"
        regels.append(regel)
    return "\n".join(regels)


# ---------------- report ----------------

def _problemen(rij: dict) -> list[str]:
    s = rij["scores"]
    uit = []
    if rij.get("fout"):
        uit.append(f"fout: {rij['fout']}")
    if rij["buiten_bronnen"] and not rij["geweigerd"]:
        uit.append("beantwoord terwijl het buiten de bronnen valt")
    if not rij["buiten_bronnen"] and rij["geweigerd"]:
        uit.append("onterecht geweigerd")
    if s.get("hit@5") == 0:
        uit.append("geen relevante passage in de top 5")
    if s.get("feiten") is not None and s["feiten"] < 1 and not rij["geweigerd"]:
        uit.append(f"feiten {s['feiten']:.2f}")
    if s.get("citatie_recall") is not None and s["citatie_recall"] < 1:
        uit.append(f"citatie_recall {s['citatie_recall']:.2f}")
    if s.get("citatie_precisie") is not None and s["citatie_precisie"] < 1:
        uit.append(f"citatie_precisie {s['citatie_precisie']:.2f}")
    if s.get("markers_totaal") and s.get("markers_geldig") != s.get("markers_totaal"):
        uit.append("ongeldige markers")
    return uit


def markdown(uitslag: dict, drempels: dict, maxima: dict, vorige: dict | None) -> str:
    """Het rapport als Markdown: metrieken, dan de vragen die aandacht vragen."""
    run = uitslag.get("run", {})
    regels = ["# Evaluatierapport Wijkassistent", "",
              f"Set `{run.get('set', '')}`, modus `{run.get('modus', '')}`, {run.get('vragen', len(uitslag['vragen']))} "
              f"vragen, embedder `{run.get('embedder', '')}`, {run.get('moment', '')}.", "",
              "| metriek | waarde | grens | status |" + (" vorige | verschil |" if vorige else ""),
              "|---|---:|---:|---|" + ("---:|---:|" if vorige else "")]
    for naam in mt.METRIEKEN:
        w = uitslag["metrieken"].get(naam)
        grens = f"≥ {drempels[naam]:.2f}" if naam in drempels else f"≤ {maxima[naam]:.2f}" if naam in maxima else ""
        fout = (naam in drempels and w is not None and w < drempels[naam]) or \
               (naam in maxima and w is not None and w > maxima[naam])
        regel = f"| {naam} | {_f(w)} | {grens} | {'**onder de maat**' if fout else ('ok' if grens else '')} |"
        if vorige:
            v = vorige.get(naam)
            regel += f" {_f(v)} | {f'{w - v:+.3f}' if w is not None and v is not None else '–'} |"
        regels.append(regel)
    if "rechter" in uitslag:
        r = uitslag["rechter"]
        regels += ["", f"Rechter `{r['model']}`: {r['n']} zinnen, overeenstemming met de lexicale controle "
                       f"{_f(r['overeenstemming'])}, κ {_f(r['kappa'])}."]
    aandacht = [(r, _problemen(r)) for r in uitslag["vragen"]]
    aandacht = [(r, p) for r, p in aandacht if p]
    regels += ["", f"## Vragen die aandacht vragen ({len(aandacht)})", ""]
    for r, p in aandacht:
        antwoord = r.get("antwoord", "").replace("\n", " / ")
        regels.append(f"- **{r['id']}** — {r['vraag']}  \n  {'; '.join(p)}  \n  > {antwoord[:300]}")
    regels += ["", "## Alle vragen", "", "| id | geweigerd | hit@5 | mrr@10 | feiten | cit. recall | cit. precisie | s |",
               "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in uitslag["vragen"]:
        s = r["scores"]
        regels.append(f"| {r['id']} | {'ja' if r['geweigerd'] else 'nee'} | {_f(s.get('hit@5'))} | "
                      f"{_f(s.get('mrr@10'))} | {_f(s.get('feiten'))} | {_f(s.get('citatie_recall'))} | "
                      f"{_f(s.get('citatie_precisie'))} | {_f(r.get('duur_s'))} |")
    return "\n".join(regels) + "\n"


def grafiek(pad: Path, metrieken: dict, drempels: dict, maxima: dict, vorige: dict | None) -> None:
    """PNG met de metrieken (0–1) tegen hun grenzen, en zo nodig het verschil met de vorige run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namen = [n for n in mt.METRIEKEN if not n.startswith("latentie") and metrieken.get(n) is not None]
    waarden = [metrieken[n] for n in namen]
    fig, assen = plt.subplots(1, 2 if vorige else 1, figsize=(13 if vorige else 8, 6), squeeze=False)
    ax = assen[0][0]
    kleuren = []
    for n, w in zip(namen, waarden):
        slecht = (n in drempels and w < drempels[n]) or (n in maxima and w > maxima[n])
        kleuren.append("#c0392b" if slecht else "#2e86c1")
    y = list(range(len(namen)))[::-1]
    ax.barh(y, waarden, color=kleuren)
    for yi, n, w in zip(y, namen, waarden):
        ax.text(min(w + 0.01, 0.93), yi, f"{w:.3f}", va="center", fontsize=9)
        grens = drempels.get(n, maxima.get(n))
        if grens is not None:
            ax.plot([grens, grens], [yi - 0.4, yi + 0.4], color="black", linewidth=2)
    ax.set_yticks(y, namen)
    ax.set_xlim(0, 1.05)
    lat = f"latentie p50 {_f(metrieken.get('latentie_p50_s'))} s, p95 {_f(metrieken.get('latentie_p95_s'))} s"
    ax.set_title(f"Metrieken (zwart streepje = grens; rood = onder de maat)\n{lat}", fontsize=10)
    if vorige:
        ax2 = assen[0][1]
        verschil = [w - vorige[n] if vorige.get(n) is not None else 0.0 for n, w in zip(namen, waarden)]
        # For onterecht_geweigerd lower is better, so its bar is coloured the other way round.
        beter = [(d <= 0) if n in maxima else (d >= 0) for n, d in zip(namen, verschil)]
        ax2.barh(y, verschil, color=["#27ae60" if b else "#c0392b" for b in beter])
        ax2.axvline(0, color="black", linewidth=1)
        ax2.set_yticks(y, namen)
        grens = max(0.05, max(abs(d) for d in verschil) * 1.2)
        ax2.set_xlim(-grens, grens)
        for yi, d in zip(y, verschil):
            ax2.text(d, yi, f"{d:+.3f}", va="center", ha="left" if d >= 0 else "right", fontsize=9)
        ax2.set_title("Verschil met de vorige run (groen = beter)", fontsize=10)
    fig.tight_layout()
    fig.savefig(pad, dpi=110)
    plt.close(fig)


def schrijf_rapport(map_: Path, uitslag: dict, drempels: dict, maxima: dict, vorige: dict | None) -> None:
    """rapport.json, rapport.md en metrieken.png in de map."""
    map_.mkdir(parents=True, exist_ok=True)
    (map_ / "rapport.json").write_text(json.dumps(uitslag, ensure_ascii=False, indent=2), encoding="utf-8")
    (map_ / "rapport.md").write_text(markdown(uitslag, drempels, maxima, vorige), encoding="utf-8")
    grafiek(map_ / "metrieken.png", uitslag["metrieken"], drempels, maxima, vorige)


# ---------------- validation of the support check ----------------

def _valideer(dienst, args) -> int:
    from assistent.evaluatie import perturbaties as pt

    paren = pt.laad_paren(args.paren)
    dienst.zorg_voor_index()
    dienst.zoeker.ververs()
    nodes = dienst.zoeker.nodes
    passages = [n.text for n in nodes if n.metadata.get("soort") in {"tekst", "aanbeveling"}]
    rijen = [(n.metadata["wijk"], n.metadata["gemeente"], int(n.metadata["inwoners"]), n.text) for n in nodes
             if n.metadata.get("soort") == "tabelrij" and n.metadata.get("wijk")]
    suite = pt.scoor_suite(pt.bouw_suite(passages, rijen))
    paar = pt.scoor_paren(paren)
    uitslag = {"verstoringen": {k: v for k, v in suite.items() if k != "missers"},
               "paren": {k: v for k, v in paar.items() if k != "uitspraken"}}
    if args.rechter:
        rechter = _rechter(dienst.instellingen)
        oordelen = [rechter.oordeel(p["zin"], p["passage"]) for p in paren]
        labels = [p["ondersteund"] for p in paren]
        uitslag["rechter"] = {
            "model": rechter.model,
            "accuratesse_labels": round(sum(a == b for a, b in zip(labels, oordelen)) / len(paren), 4),
            "kappa_labels": round(mt.cohen_kappa(labels, oordelen), 4),
            "overeenstemming_lexicaal": round(sum(a == b for a, b in zip(paar["uitspraken"], oordelen)) / len(paren), 4),
            "kappa_lexicaal": round(mt.cohen_kappa(paar["uitspraken"], oordelen), 4)}
    gehaald = ((suite["afwijzing_varianten"] or 0) >= DOEL_AFWIJZEN
               and (suite["aanvaarding_origineel_parafrase"] or 0) >= DOEL_AANVAARDEN and paar["kappa"] >= DOEL_KAPPA)
    uitslag["gehaald"] = gehaald
    if args.json:
        print(json.dumps(uitslag, ensure_ascii=False, indent=2, default=lambda o: o.__dict__))
        return 0 if gehaald else 1
    v = suite
    print("Verstoringssuite (uit de bronnen):")
    for soort in pt.AANVAARDEN + pt.AFWIJZEN:
        if soort in v["per_soort"]:
            wat = "aanvaard" if soort in pt.AANVAARDEN else "afgewezen"
            print(f"  {soort:<20} {v['aantallen'][soort]:>4} gevallen, {v['per_soort'][soort]:.1%} terecht {wat}")
    print(f"  varianten afgewezen: {_pct(v['afwijzing_varianten'])} (doel ≥ {DOEL_AFWIJZEN:.0%}); originelen en "
          f"parafrasen aanvaard: {_pct(v['aanvaarding_origineel_parafrase'])} (doel ≥ {DOEL_AANVAARDEN:.0%})")
    m = paar["matrix"]
    print(f"\nGelabelde paren ({args.paren}): {paar['n']} paren, accuratesse {paar['accuratesse']:.1%}, "
          f"Cohens κ {paar['kappa']:.3f} (doel ≥ {DOEL_KAPPA})")
    print(f"  label wel / controle wel {m['wel_wel']}, wel/niet {m['wel_niet']}, niet/wel {m['niet_wel']}, "
          f"niet/niet {m['niet_niet']}")
    for p in paar["oneens"]:
        print(f"  oneens: label {'wel' if p['ondersteund'] else 'niet'}, controle {'wel' if p['oordeel'] else 'niet'}: "
              f"{p['zin']}" + (f"  ({p['noot']})" if p.get("noot") else ""))
    if "rechter" in uitslag:
        r = uitslag["rechter"]
        print(f"\nRechter {r['model']}: tegen de labels accuratesse {r['accuratesse_labels']:.1%}, κ {r['kappa_labels']:.3f}; "
              f"tegen de lexicale controle overeenstemming {r['overeenstemming_lexicaal']:.1%}, κ {r['kappa_lexicaal']:.3f}")
    print("\nDoelen gehaald." if gehaald else "\nDoelen NIET gehaald.")
    return 0 if gehaald else 1


def _pct(w) -> str:
    return "–" if w is None else f"{w:.1%}"
