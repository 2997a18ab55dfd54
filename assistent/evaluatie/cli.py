"""`assistent evalueer`: de evalset draaien, rapporteren, vergelijken en de steuncontrole valideren."""

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from assistent.evaluatie import metrieken as mt

SPLITS = {"dev": Path("evals/dev.jsonl"), "test": Path("evals/test.jsonl")}
STANDAARD_PAREN = Path("evals/steun_paren.jsonl")
DOEL_AFWIJZEN = DOEL_AANVAARDEN = 0.9
DOEL_KAPPA = 0.6


def registreer(sub) -> None:
    """Voegt het subcommando `evalueer` toe."""
    s = sub.add_parser("evalueer", help="de evalset draaien en de kwaliteit in cijfers zien")
    welke = s.add_mutually_exclusive_group()
    welke.add_argument("--split", choices=["dev", "test", "beide"], default="beide",
                       help="dev (om op af te stemmen), test (nooit op afstemmen) of beide naast elkaar (standaard)")
    welke.add_argument("--set", type=Path, help="een eigen evalset in JSON lines in plaats van de splits")
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
    from assistent.evaluatie.modi import dienst_voor, modi_uit

    dienst = _dienst()
    if args.valideer:
        return _valideer(dienst, args)
    modi = modi_uit(args.modus)
    if len(modi) > 1:
        return _vergelijk_modi(dienst, args, modi)
    args.modus = None
    if modi:
        # An unknown mode or a model that cannot load stops here, instead of counting as a refusal on every question.
        dienst, args.modus = dienst_voor(dienst, modi[0])
    return _evalueer(dienst, args)


def _vergelijk_modi(dienst, args, modi: list[str]) -> int:
    import os

    from assistent.evaluatie import modi as md
    from assistent.evaluatie.runner import laad_set

    # Modes are compared on the test split (or the set given), never tuned on.
    paden = _te_draaien(args)
    pad = paden[getoetste_split(paden)]
    vragen = laad_set(pad)[:args.max_vragen or None]
    uitslag = md.vergelijk(dienst, vragen, modi)
    uitslag["run"] = {"set": str(pad), "vragen": len(vragen), "modi": modi,
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

def _te_draaien(args) -> dict[str, Path]:
    """Naam → bestand van de sets in deze run: de gevraagde splits, of één eigen set (naar zijn bestandsnaam)."""
    from assistent.fouten import ConfiguratieFout

    if args.set is not None:
        return {args.set.stem: args.set}
    namen = ["dev", "test"] if args.split == "beide" else [args.split]
    missend = [SPLITS[n] for n in namen if not SPLITS[n].is_file()]
    if missend:
        raise ConfiguratieFout(f"De evalsplit {', '.join(map(str, missend))} ontbreekt.",
                               "Draai vanuit de map van het project, kies een andere split met --split, "
                               "of geef een eigen set met --set.")
    return {n: SPLITS[n] for n in namen}


def getoetste_split(namen) -> str:
    """Op welke split de drempels gelden: de test-split als die meedraait, anders de enige (of eerste) set."""
    namen = list(namen)
    return "test" if "test" in namen else namen[0]


def _evalueer(dienst, args) -> int:
    from assistent.evaluatie.runner import evalueer, laad_set

    paden = _te_draaien(args)
    sets = {naam: laad_set(pad)[:args.max_vragen or None] for naam, pad in paden.items()}
    rechter = _rechter(dienst.instellingen) if args.rechter else None
    splits = {}
    for naam, vragen in sets.items():
        print(f"Split {naam}: {len(vragen)} vragen", file=sys.stderr)
        splits[naam] = {"set": str(paden[naam]), "n": len(vragen)} | evalueer(
            dienst, vragen, modus=args.modus, voortgang=True)
    getoetst = getoetste_split(splits)
    uitslag = {"run": {"modus": args.modus or dienst.instellingen.llm, "getoetst": getoetst,
                       "moment": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                       "embedder": dienst.instellingen.embedder},
               # The metrics the thresholds apply to, also at the top for scripts and --vergelijk.
               "metrieken": splits[getoetst]["metrieken"],
               "splits": splits}
    if rechter is not None:
        uitslag["rechter"] = _rechter_op_antwoorden(rechter, [r for d in splits.values() for r in d["vragen"]])
    vorige = _lees_vorige(args.vergelijk) if args.vergelijk else None
    instellingen = dienst.instellingen
    fouten = mt.overtredingen(uitslag["metrieken"], instellingen.drempels, instellingen.maxima)
    if args.uitvoer:
        schrijf_rapport(args.uitvoer, uitslag, instellingen.drempels, instellingen.maxima, vorige)
    if args.json:
        print(json.dumps(uitslag, ensure_ascii=False, indent=2))
    else:
        print(tabel({n: d["metrieken"] for n, d in splits.items()}, instellingen.drempels, instellingen.maxima,
                    vorige, getoetst))
        for naam, d in splits.items():
            if d.get("per_stijl"):
                print(f"\nPer stijl ({naam}):\n" + stijltabel(d["per_stijl"]))
        if "rechter" in uitslag:
            r = uitslag["rechter"]
            print(f"\nRechter ({r['model']}): {r['n']} zinnen, overeenstemming met de lexicale controle "
                  f"{_pct(r['overeenstemming'])}, κ {_f(r['kappa'])}.")
        if args.uitvoer:
            print(f"\nRapport: {args.uitvoer / 'rapport.md'}, {args.uitvoer / 'rapport.json'}, "
                  f"{args.uitvoer / 'metrieken.png'}")
    for f in fouten:
        print(f"Onder de maat ({getoetst}): {f}", file=sys.stderr)
    return 1 if fouten else 0


def _lees_vorige(pad: Path) -> dict[str, dict]:
    """Metrieken per split uit een eerder rapport.json (ook het oude formaat met één set)."""
    from assistent.fouten import ConfiguratieFout

    try:
        data = json.loads(Path(pad).read_text(encoding="utf-8"))
        if "splits" in data:
            return {naam: d["metrieken"] for naam, d in data["splits"].items()}
        # Before the split the one set was evals/vragen.jsonl, which is now the dev split.
        naam = Path(data.get("run", {}).get("set", "dev")).stem
        return {"dev" if naam in {"vragen", "dev"} else naam: data["metrieken"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
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


def _f(w, naam: str = "") -> str:
    if w is None:
        return "–"
    if naam.startswith("woorden"):
        return f"{w:.1f}"
    return f"{w:.3f}" if isinstance(w, float) else str(w)


def _grens(naam: str, drempels: dict, maxima: dict) -> str:
    """De grens van een metriek als tekst ('≥ 0.90', '≤ 0.05'), leeg als die er niet is."""
    if naam in drempels:
        return f"≥ {drempels[naam]:.2f}"
    if naam in maxima:
        return f"≤ {maxima[naam]:.2f}"
    return ""


def _onder_de_maat(naam: str, w, drempels: dict, maxima: dict) -> bool:
    return w is not None and ((naam in drempels and w < drempels[naam]) or (naam in maxima and w > maxima[naam]))


def tabel(per_split: dict[str, dict], drempels: dict, maxima: dict, vorige: dict | None = None,
          getoetst: str | None = None) -> str:
    """De metrieken per split naast elkaar, met de grens en de status van de getoetste split en zo nodig het
    verschil met de vorige run per split."""
    getoetst = getoetst or getoetste_split(per_split)
    vorige = vorige or {}
    kop = f"{'metriek':<22}"
    for naam in per_split:
        kop += f"{naam:>9}" + (f"{'Δ ' + naam:>10}" if naam in vorige else "")
    kop += f"{'grens':>10}  {'status ' + getoetst:<14}"
    regels = [kop, "-" * len(kop)]
    for m in mt.METRIEKEN:
        regel = f"{m:<22}"
        for naam, metrieken in per_split.items():
            w = metrieken.get(m)
            regel += f"{_f(w, m):>9}"
            if naam in vorige:
                v = vorige[naam].get(m)
                regel += f"{f'{w - v:+.3f}' if w is not None and v is not None else '–':>10}"
        grens = _grens(m, drempels, maxima)
        w = per_split[getoetst].get(m)
        status = "" if not grens else ("ok" if not _onder_de_maat(m, w, drempels, maxima)
                                       else "ONDER" if m in drempels else "BOVEN")
        regels.append(regel + f"{grens:>10}  {status:<14}")
    return "\n".join(regels)


def stijltabel(per_stijl: dict[str, dict]) -> str:
    """De metrieken per vraagstijl als teksttabel."""
    breedtes = [max(10, len(k) + 2) for k in mt.PER_STIJL]
    kop = f"{'stijl':<16}{'n':>4}" + "".join(f"{k:>{b}}" for k, b in zip(mt.PER_STIJL, breedtes))
    regels = [kop, "-" * len(kop)]
    for st, m in per_stijl.items():
        waarden = "".join(f"{_f(m.get(k), k):>{b}}" for k, b in zip(mt.PER_STIJL, breedtes))
        regels.append(f"{st:<16}{m['n']:>4}{waarden}")
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
    if s.get("juiste_passage") == 0 and not rij["geweigerd"]:
        uit.append("de juiste passage niet geciteerd")
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
    """Het rapport als Markdown: metrieken per split, per stijl, dan per split de vragen die aandacht vragen."""
    run = uitslag.get("run", {})
    splits = uitslag["splits"]
    getoetst = run.get("getoetst") or getoetste_split(splits)
    vorige = vorige or {}
    sets = ", ".join(f"{n} `{d['set']}` ({d['n']} vragen)" for n, d in splits.items())
    kop = "| metriek |" + "".join(f" {n} |" + (f" Δ {n} |" if n in vorige else "") for n in splits)
    kop += f" grens | status {getoetst} |"
    streep = "|---|" + "".join("---:|" + ("---:|" if n in vorige else "") for n in splits) + "---:|---|"
    regels = ["# Evaluatierapport Wijkassistent", "",
              f"Modus `{run.get('modus', '')}`, embedder `{run.get('embedder', '')}`, {run.get('moment', '')}. "
              f"Sets: {sets}. De grenzen gelden voor de split `{getoetst}`.", "", kop, streep]
    for naam in mt.METRIEKEN:
        regel = f"| {naam} |"
        for n, d in splits.items():
            w = d["metrieken"].get(naam)
            regel += f" {_f(w, naam)} |"
            if n in vorige:
                v = vorige[n].get(naam)
                regel += f" {f'{w - v:+.3f}' if w is not None and v is not None else '–'} |"
        grens = _grens(naam, drempels, maxima)
        fout = _onder_de_maat(naam, splits[getoetst]["metrieken"].get(naam), drempels, maxima)
        regels.append(regel + f" {grens} | {'**onder de maat**' if fout else ('ok' if grens else '')} |")
    for n, d in splits.items():
        if d.get("per_stijl"):
            regels += ["", f"## Per stijl ({n})", "", "| stijl | n | " + " | ".join(mt.PER_STIJL) + " |",
                       "|---|---:|" + "---:|" * len(mt.PER_STIJL)]
            for st, m in d["per_stijl"].items():
                regels.append(f"| {st} | {m['n']} | " + " | ".join(_f(m.get(k), k) for k in mt.PER_STIJL) + " |")
    if "rechter" in uitslag:
        r = uitslag["rechter"]
        regels += ["", f"Rechter `{r['model']}`: {r['n']} zinnen, overeenstemming met de lexicale controle "
                       f"{_f(r['overeenstemming'])}, κ {_f(r['kappa'])}."]
    for n, d in splits.items():
        aandacht = [(r, p) for r in d["vragen"] if (p := _problemen(r))]
        regels += ["", f"## Vragen die aandacht vragen: {n} ({len(aandacht)})", ""]
        if n == "test" and aandacht:
            regels += ["Wie een vraag van de test-split bekijkt om het antwoord te verbeteren, verplaatst die vraag "
                       "naar de dev-split (zie evals/README.md).", ""]
        for r, p in aandacht:
            antwoord = r.get("antwoord", "").replace("\n", " / ")
            stijl = f" ({r['stijl']})" if r.get("stijl") else ""
            regels.append(f"- **{r['id']}**{stijl} — {r['vraag']}  \n  {'; '.join(p)}  \n  > {antwoord[:300]}")
    for n, d in splits.items():
        regels += ["", f"## Alle vragen: {n}", "",
                   "| id | stijl | geweigerd | hit@5 | mrr@10 | juiste passage | feiten | cit. recall | cit. precisie | "
                   "woorden | s |",
                   "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in d["vragen"]:
            sc = r["scores"]
            regels.append(f"| {r['id']} | {r.get('stijl') or ''} | {'ja' if r['geweigerd'] else 'nee'} | "
                          f"{_f(sc.get('hit@5'))} | {_f(sc.get('mrr@10'))} | {_f(sc.get('juiste_passage'))} | "
                          f"{_f(sc.get('feiten'))} | "
                          f"{_f(sc.get('citatie_recall'))} | {_f(sc.get('citatie_precisie'))} | "
                          f"{_f(r.get('woorden'))} | {_f(r.get('duur_s'))} |")
    return "\n".join(regels) + "\n"


_KLEUREN = {"dev": "#95a5a6", "test": "#2e86c1"}


def grafiek(pad: Path, uitslag: dict, drempels: dict, maxima: dict, vorige: dict | None) -> None:
    """PNG: de metrieken (0–1) per split naast elkaar tegen hun grenzen; het verschil met de vorige run; en voor de
    getoetste split de belangrijkste metrieken per stijl."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = uitslag["splits"]
    getoetst = uitslag.get("run", {}).get("getoetst") or getoetste_split(splits)
    per_split = {n: d["metrieken"] for n, d in splits.items()}
    vorige = {n: v for n, v in (vorige or {}).items() if n in per_split}
    stijlen = splits[getoetst].get("per_stijl") or {}
    namen = [m for m in mt.METRIEKEN if m not in mt.ABSOLUUT and any(w.get(m) is not None for w in per_split.values())]
    panelen = 1 + bool(vorige) + bool(stijlen)
    fig, assen = plt.subplots(1, panelen, figsize=(7 * panelen, 1.6 + 0.55 * len(namen) * len(per_split) ** 0.5 + 2),
                              squeeze=False)
    ax = assen[0][0]
    hoogte = 0.8 / len(per_split)
    basis = list(range(len(namen)))[::-1]
    for i, (n, metrieken) in enumerate(per_split.items()):
        y = [b + 0.4 - hoogte * (i + 0.5) for b in basis]
        waarden = [metrieken.get(m) or 0.0 for m in namen]
        kleuren = ["#c0392b" if n == getoetst and _onder_de_maat(m, metrieken.get(m), drempels, maxima)
                   else _KLEUREN.get(n, "#2e86c1") for m in namen]
        ax.barh(y, waarden, height=hoogte * 0.95, color=kleuren, label=n)
        for yi, m, w in zip(y, namen, waarden):
            if metrieken.get(m) is not None:
                ax.text(min(w + 0.01, 0.93), yi, f"{w:.3f}", va="center", fontsize=8)
    for b, m in zip(basis, namen):
        grens = drempels.get(m, maxima.get(m))
        if grens is not None:
            ax.plot([grens, grens], [b - 0.45, b + 0.45], color="black", linewidth=2)
    ax.set_yticks(basis, namen)
    ax.set_xlim(0, 1.05)
    ax.legend(loc="lower right", fontsize=8)
    onder = "; ".join(f"{n}: {_f(w.get('woorden_p50'), 'woorden')} woorden (p50), p50 {_f(w.get('latentie_p50_s'))} s"
                      for n, w in per_split.items())
    ax.set_title(f"Metrieken per split (streepje = grens voor {getoetst}; rood = onder de maat)\n{onder}",
                 fontsize=9)
    paneel = 1
    if vorige:
        ax2 = assen[0][paneel]
        paneel += 1
        grootste = 0.05
        for i, n in enumerate(vorige):
            y = [b + 0.4 - (0.8 / len(vorige)) * (i + 0.5) for b in basis]
            verschil = [(per_split[n].get(m) or 0.0) - vorige[n][m] if vorige[n].get(m) is not None
                        and per_split[n].get(m) is not None else 0.0 for m in namen]
            grootste = max(grootste, *(abs(d) * 1.2 for d in verschil))
            # For the maxima (onterecht_geweigerd) lower is better, so their bars are coloured the other way round.
            beter = [(d <= 0) if m in maxima else (d >= 0) for m, d in zip(namen, verschil)]
            ax2.barh(y, verschil, height=0.8 / len(vorige) * 0.95,
                     color=["#27ae60" if b else "#c0392b" for b in beter], alpha=1.0 if n == getoetst else 0.55)
            for yi, d in zip(y, verschil):
                ax2.text(d, yi, f"{n} {d:+.3f}", va="center", ha="left" if d >= 0 else "right", fontsize=7)
        ax2.axvline(0, color="black", linewidth=1)
        ax2.set_yticks(basis, namen)
        ax2.set_xlim(-grootste, grootste)
        ax2.set_title("Verschil met de vorige run per split (groen = beter)", fontsize=9)
    if stijlen:
        ax3 = assen[0][paneel]
        tonen = ("juiste_passage", "feiten", "goed_geweigerd", "onterecht_geweigerd")
        kleur = {"juiste_passage": "#2e86c1", "feiten": "#27ae60", "goed_geweigerd": "#8e44ad",
                 "onterecht_geweigerd": "#c0392b"}
        sts = list(stijlen)[::-1]
        h = 0.8 / len(tonen)
        for i, m in enumerate(tonen):
            y = [j + 0.4 - h * (i + 0.5) for j in range(len(sts))]
            ax3.barh(y, [stijlen[st].get(m) or 0.0 for st in sts], height=h * 0.95, color=kleur[m], label=m)
        ax3.set_yticks(range(len(sts)), [f"{st} ({stijlen[st]['n']})" for st in sts])
        ax3.set_xlim(0, 1.05)
        ax3.legend(loc="lower right", fontsize=7)
        ax3.set_title(f"Per stijl ({getoetst}); onterecht_geweigerd: lager is beter", fontsize=9)
    fig.tight_layout()
    fig.savefig(pad, dpi=100)
    plt.close(fig)


def schrijf_rapport(map_: Path, uitslag: dict, drempels: dict, maxima: dict, vorige: dict | None) -> None:
    """rapport.json, rapport.md en metrieken.png in de map."""
    map_.mkdir(parents=True, exist_ok=True)
    (map_ / "rapport.json").write_text(json.dumps(uitslag, ensure_ascii=False, indent=2), encoding="utf-8")
    (map_ / "rapport.md").write_text(markdown(uitslag, drempels, maxima, vorige), encoding="utf-8")
    grafiek(map_ / "metrieken.png", uitslag, drempels, maxima, vorige)


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
    # The service judges with meaning as well; the lexical judgement alone is shown next to it.
    betekenis = pt.met_betekenis(dienst.embedder, dienst.zoeker.corpus.kalibratie)
    paar = pt.scoor_paren(paren, betekenis)
    uitslag = {"verstoringen": {k: v for k, v in suite.items() if k != "missers"},
               "paren": {k: v for k, v in paar.items() if k != "uitspraken"},
               "paren_lexicaal": {k: v for k, v in pt.scoor_paren(paren).items() if k not in {"uitspraken", "oneens"}}}
    test_paren = args.paren.with_name(args.paren.stem + "_test" + args.paren.suffix)
    if test_paren.is_file():
        tp = pt.laad_paren(test_paren)
        uitslag["testparen"] = {k: v for k, v in pt.scoor_paren(tp, betekenis).items() if k not in {"uitspraken"}}
        uitslag["testparen_lexicaal"] = {k: v for k, v in pt.scoor_paren(tp).items()
                                         if k not in {"uitspraken", "oneens"}}
    if args.rechter:
        rechter = _rechter(dienst.instellingen)
        oordelen = [rechter.oordeel(p["zin"], p["passage"]) for p in paren]
        labels = [p["ondersteund"] for p in paren]
        uitslag["rechter"] = {
            "model": rechter.model,
            "accuratesse_labels": round(sum(a == b for a, b in zip(labels, oordelen)) / len(paren), 4),
            "kappa_labels": round(mt.cohen_kappa(labels, oordelen), 4),
            "overeenstemming_steuncontrole": round(sum(a == b for a, b in zip(paar["uitspraken"], oordelen)) / len(paren), 4),
            "kappa_steuncontrole": round(mt.cohen_kappa(paar["uitspraken"], oordelen), 4)}
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
    lx = uitslag["paren_lexicaal"]
    print(f"  alleen lexicaal (zonder betekenis): accuratesse {lx['accuratesse']:.1%}, κ {lx['kappa']:.3f}")
    if "testparen" in uitslag:
        t, tl = uitslag["testparen"], uitslag["testparen_lexicaal"]
        print(f"\nTestparen ({test_paren}, nooit op afgestemd): {t['n']} paren, accuratesse {t['accuratesse']:.1%}, "
              f"κ {t['kappa']:.3f}; alleen lexicaal {tl['accuratesse']:.1%}, κ {tl['kappa']:.3f}")
    if "rechter" in uitslag:
        r = uitslag["rechter"]
        print(f"\nRechter {r['model']}: tegen de labels accuratesse {r['accuratesse_labels']:.1%}, κ {r['kappa_labels']:.3f}; "
              f"tegen de steuncontrole overeenstemming {r['overeenstemming_steuncontrole']:.1%}, κ {r['kappa_steuncontrole']:.3f}")
    print("\nDoelen gehaald." if gehaald else "\nDoelen NIET gehaald.")
    return 0 if gehaald else 1


def _pct(w) -> str:
    return "–" if w is None else f"{w:.1%}"
