"""Benchmark: tijd tot het eerste token van llama.cpp (klein GGUF): hele passages of bewijszinnen, met en zonder cache.

Per vraag uit de dev-set die de assistent beantwoordt: de prompt zoals de dienst hem bouwt, en de tijd tot het eerste
token van het model (muur- en CPU-tijd). 'zonder': de 3 beste passages in platte tekst, geen RAM-cache en geen
opgewarmde prefix (zoals vóór issue 10; llama.cpp hergebruikt dan alleen de prefix die de vorige prompt deelde).
'met': dezelfde 3 passages gestructureerd, LlamaRAMCache en de vaste prefix vooraf verwerkt. 'bewijszinnen': zoals
'met', maar het model ziet alleen de bewijszinnen (ASSISTENT_PROMPT_ZINNEN, de standaard van de dienst). Tussen twee
vragen komt een andere prompt (de herschrijfprompt van een vervolgvraag), zoals in een gesprek.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llama_index.core.base.llms.types import ChatMessage, MessageRole  # noqa: E402

from assistent import taalmodel as tm  # noqa: E402
from assistent.backends.llms import LlamaCppLLM, _vaste_prefix  # noqa: E402


def eerste_token(llm: LlamaCppLLM, berichten: list[ChatMessage]) -> tuple[float, float, str]:
    """Muurtijd en CPU-tijd tot het eerste token, en dat token."""
    t, c = time.perf_counter(), time.process_time()
    gen = llm.stream_chat(berichten)
    for r in gen:
        if r.delta:
            uit = (time.perf_counter() - t, time.process_time() - c, r.delta)
            gen.close()
            return uit
    return float("nan"), float("nan"), ""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--gguf", default=str(ROOT / ".modellen" / "qwen2.5-coder-0.5b-instruct.gguf"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--vragen", type=int, default=8)
    p.add_argument("--index", default=None, help="indexmap (standaard uit de instellingen)")
    p.add_argument("--json", type=Path, help="uitkomst als JSON")
    args = p.parse_args()

    from assistent.config import Instellingen
    from assistent.dienst import Dienst

    inst = Instellingen(llm="extractief", **({"index": Path(args.index)} if args.index else {}))
    d = Dienst(inst)
    d.zorg_voor_index()
    regels = [json.loads(r) for r in (ROOT / "evals" / "dev.jsonl").read_text(encoding="utf-8").splitlines() if r]
    prompts: dict[str, list] = {"zonder": [], "met": [], "bewijszinnen": []}
    for r in regels:
        if r.get("buiten_bronnen") or r.get("gesprek") or len(prompts["met"]) >= args.vragen:
            continue
        v = d.analyseer(r["vraag"])
        v.taal = "nl"
        res = d.zoeker.zoek(v.tekst, k=inst.top_k, taalcode="nl", nadruk=v.kern)
        concept = d._concept(v, res, None, None)
        if concept is None or not concept.gevonden:
            continue  # refused on the evidence: no model is asked
        drie = res.treffers[:inst.llamacpp_passages]
        treffers, keuze = d.bewijs(v, res, concept, "llamacpp")
        prompts["zonder"].append((r["vraag"], tm.prompt_berichten(r["vraag"], drie, "nl")))
        prompts["met"].append((r["vraag"], tm.prompt_berichten(r["vraag"], drie, "nl", gestructureerd=True)))
        prompts["bewijszinnen"].append((r["vraag"], tm.prompt_berichten(r["vraag"], treffers, "nl", True, keuze)))
    tussendoor = [ChatMessage(role=MessageRole.SYSTEM, content=tm.HERSCHRIJF),
                  ChatMessage(role=MessageRole.USER, content="Gebruiker: Welke wijk deed mee in Groningen?\n"
                                                             "Gebruiker: En hoeveel inwoners heeft die?")]
    uitslag = {}
    for naam, cache, gestructureerd in (("zonder", False, False), ("met", True, True), ("bewijszinnen", True, True)):
        t0 = time.perf_counter()
        llm = LlamaCppLLM(args.gguf, context_window=4096, max_tokens=1, threads=args.threads, prompt_cache=cache)
        if cache:
            llm.warm(_vaste_prefix(gestructureerd))
        laden = time.perf_counter() - t0
        muur, cpu, n_tokens = [], [], []
        for v, berichten in prompts[naam]:
            n_tokens.append(len(llm._llama.tokenize((berichten[0].content + berichten[1].content).encode(), add_bos=False)))
            m, c, _ = eerste_token(llm, berichten)
            muur.append(m)
            cpu.append(c)
            print(f"{naam}: {n_tokens[-1]} tokens, eerste token {m:.2f} s (CPU {c:.2f} s)  {v[:50]}", flush=True)
            eerste_token(llm, tussendoor)  # another prompt in between, as a follow-up's rewrite would be
        uitslag[naam] = {"eerste_token_p50_s": round(statistics.median(muur), 2),
                         "eerste_token_p95_s": round(sorted(muur)[max(0, round(0.95 * len(muur)) - 1)], 2),
                         "cpu_eerste_token_p50_s": round(statistics.median(cpu), 2),
                         "prompt_tokens_p50": int(statistics.median(n_tokens)), "laden_en_opwarmen_s": round(laden, 2)}
        del llm
    uitslag["belasting"] = round(os.getloadavg()[0], 1)
    uitslag["threads"] = args.threads
    print(json.dumps(uitslag, indent=2))
    if args.json:
        args.json.write_text(json.dumps(uitslag, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
