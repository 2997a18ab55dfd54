"""Opdrachtregel: `assistent indexeer | zoek | vraag | bronnen | status | …`."""

import argparse
import json
import logging
import sys
from pathlib import Path

from assistent.fouten import AssistentFout


def _dienst():
    from assistent.config import Instellingen
    from assistent.dienst import Dienst

    return Dienst(Instellingen())


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_indexeer(args) -> int:
    d = _dienst()
    s = d.indexeer(opnieuw=args.opnieuw, voortgang=not args.stil)
    if args.json:
        _print_json(s.als_dict())
    else:
        print(f"Klaar in {s.seconden:.1f} s: {s.bestanden} bestanden, {s.paginas} pagina's, {s.fragmenten} fragmenten; "
              f"nieuw {len(s.nieuw)}, vervangen {len(s.vervangen)}, verwijderd {len(s.verwijderd)}, "
              f"ongewijzigd {len(s.overgeslagen)}, mislukt {len(s.mislukt)}.")
        for naam, reden in s.mislukt.items():
            print(f"  mislukt: {naam}: {reden}")
    return 0


def cmd_zoek(args) -> int:
    d = _dienst()
    passages = d.zoek(args.vraag, k=args.k, bron=args.bron, aanbeveling=args.aanbeveling)
    velden = ("nr", "document", "titel", "pagina", "sectie", "aanbeveling", "tekst", "score")
    if args.json:
        _print_json({"vraag": args.vraag, "passages": [p.model_dump(include=set(velden)) for p in passages]})
        return 0
    for p in passages:
        print(f"[{p.nr}] {p.titel}, p. {p.pagina} — {p.sectie}  (score {p.score:.4f})")
        print("    " + p.tekst.replace("\n", "\n    ")[:600])
    return 0


def _lees_gesprek(pad: str | None) -> list[dict] | None:
    if not pad:
        return None
    try:
        return json.loads(Path(pad).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        from assistent.fouten import OngeldigeVraag

        raise OngeldigeVraag(f"Het gesprek in {pad} is niet te lezen ({e}).",
                             'Geef een JSON-lijst van {"rol": "gebruiker"|"assistent", "tekst": "..."}.') from None


def cmd_vraag(args) -> int:
    from assistent.citaten import als_tekst

    d = _dienst()
    gesprek = _lees_gesprek(args.gesprek)
    if args.json:
        a = d.vraag(args.vraag, gesprek=gesprek, bron=args.bron, aanbeveling=args.aanbeveling, modus=args.modus)
        _print_json(a.model_dump(include={"vraag", "antwoord", "gevonden", "modus", "citaten", "duur_s", "melding"}))
        return 0
    for g in d.vraag_stream(args.vraag, gesprek=gesprek, bron=args.bron, aanbeveling=args.aanbeveling,
                            modus=args.modus):
        if g.soort == "token" and sys.stderr.isatty():
            print(g.tekst, end="", file=sys.stderr, flush=True)
        elif g.soort == "klaar":
            if sys.stderr.isatty():
                print("\r\033[J", end="", file=sys.stderr)
            a = g.antwoord
            if a.melding:
                print(f"({a.melding})")
            print(als_tekst(a.antwoord, a.citaten))
            print(f"\n[modus: {a.modus}, {a.duur_s:.2f} s]")
    return 0


def cmd_bronnen(args) -> int:
    d = _dienst()
    d.zorg_voor_index()
    bronnen = d.bronnen()
    if args.json:
        _print_json(bronnen)
        return 0
    for b in bronnen:
        print(f"{b['document']:<28} {b['paginas']:>4} p. {b['fragmenten']:>5} fragm.  {b['titel']}")
    return 0


def cmd_status(args) -> int:
    _print_json(_dienst().status())
    return 0


def bouw_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="assistent", description="Wijkassistent: antwoorden met bronvermelding.")
    p.add_argument("-v", "--uitgebreid", action="store_true", help="meer logregels")
    sub = p.add_subparsers(dest="opdracht", required=True)

    s = sub.add_parser("indexeer", help="bronnen/ (incrementeel) indexeren")
    s.add_argument("--opnieuw", action="store_true", help="de index helemaal opnieuw opbouwen")
    s.add_argument("--json", action="store_true", help="samenvatting als JSON")
    s.add_argument("--stil", action="store_true", help="zonder voortgangsbalk")
    s.set_defaults(func=cmd_indexeer)

    def filters(s):
        s.add_argument("--bron", help="alleen deze bron (id)")
        s.add_argument("--aanbeveling", type=int, help="alleen aanbeveling N (1–7)")

    s = sub.add_parser("zoek", help="de beste passages voor een vraag, zonder antwoord")
    s.add_argument("vraag")
    s.add_argument("-k", type=int, default=6)
    s.add_argument("--json", action="store_true")
    filters(s)
    s.set_defaults(func=cmd_zoek)

    s = sub.add_parser("vraag", help="een vraag beantwoorden met bronvermelding")
    s.add_argument("vraag")
    s.add_argument("--json", action="store_true")
    s.add_argument("--gesprek", help="JSON-bestand met eerdere beurten")
    s.add_argument("--modus", choices=["auto", "extractief", "openai", "ollama", "llamacpp"])
    filters(s)
    s.set_defaults(func=cmd_vraag)

    s = sub.add_parser("bronnen", help="de geïndexeerde publicaties")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_bronnen)

    s = sub.add_parser("status", help="stand van index en modellen")
    s.set_defaults(func=cmd_status)

    for registreer in _uitbreidingen():
        registreer(sub)
    return p


def _uitbreidingen():
    """Subcommando's die in eigen modules wonen (evalueer, bench, feedback)."""
    import importlib

    for naam in ("assistent.evaluatie.cli", "assistent.bench", "assistent.feedback"):
        try:
            mod = importlib.import_module(naam)
        except ModuleNotFoundError as e:
            if e.name and naam.startswith(e.name):
                continue
            raise
        yield mod.registreer


def main(argv: list[str] | None = None) -> int:
    args = bouw_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.uitgebreid else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    for lawaai in ("httpx", "chromadb", "bm25s", "urllib3"):
        logging.getLogger(lawaai).setLevel(logging.WARNING)
    try:
        return int(args.func(args) or 0)
    except AssistentFout as e:
        print(f"Fout: {e.melding}", file=sys.stderr)
        if e.oplossing:
            print(f"Oplossing: {e.oplossing}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return 130
