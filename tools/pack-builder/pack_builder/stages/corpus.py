"""Stage corpus: general text found on this machine, with each source's licence.

Writes general.jsonl ({"source", "text"}) and sources.json (provenance). Dev data is
not copied: later stages read it from ../shared/datasets (data.py) when they need it.
Files are visited in sorted order, so the same machine gives the same corpus.
"""

import gzip
import hashlib
import json
import re
from pathlib import Path

from ..common import ROOT, write_json
from ..data import CONTRAST, DEV

MAX_FILE_CHARS = 200_000  # one huge file (a changelog, a generated table) must not dominate


def python_stdlib():
    base = Path("/usr/lib/python3.11")
    for p in sorted(base.rglob("*.py")):
        if "-packages" not in str(p):
            yield p, "PSF-2.0 (Python standard library)"


def debian_docs():
    keep = re.compile(r"^(README|NEWS|.*\.(txt|md|rst))(\.gz)?$", re.I)
    for pkg in sorted(Path("/usr/share/doc").iterdir()):
        licence = _debian_licence(pkg / "copyright")
        for p in sorted(pkg.rglob("*")):
            if p.is_file() and keep.match(p.name) and "changelog" not in p.name.lower():
                yield p, f"{licence} (Debian package {pkg.name}; see its copyright file)"


def _debian_licence(copyright_file):
    try:
        m = re.search(r"^License:\s*(\S.*)$", copyright_file.read_text(errors="replace"), re.M)
        return m.group(1).strip() if m else "see copyright file"
    except OSError:
        return "see copyright file"


def npm_readmes():
    for p in sorted((ROOT / "node_modules").rglob("*")):
        if p.is_file() and p.name.lower() in ("readme.md", "readme", "readme.markdown") and (p.parent / "package.json").exists():
            try:
                meta = json.loads((p.parent / "package.json").read_text())
            except ValueError:
                continue
            licence = meta.get("license")
            if isinstance(licence, str):  # unlicensed or odd metadata: leave out
                yield p, f"{licence} (npm {meta.get('name', p.parent.name)})"


GROUPS = {"python_stdlib": python_stdlib, "debian_docs": debian_docs, "npm_readmes": npm_readmes}


def _read(path):
    raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    return raw.decode("utf-8", errors="replace")[:MAX_FILE_CHARS]


def run(st):
    limits = st.conf["general_chars"]  # per group; 0 = everything there is
    sources, total = [], 0
    with open(st.dir / "general.jsonl", "w", encoding="utf-8") as out:
        for group, files in GROUPS.items():
            chars, licences, n, digest = 0, set(), 0, hashlib.sha256()
            for path, licence in files():
                if limits[group] and chars >= limits[group]:
                    break
                text = _read(path).strip()
                if len(text) < 200:
                    continue
                out.write(json.dumps({"source": group, "text": text}, ensure_ascii=False) + "\n")
                digest.update(text.encode("utf-8") + b"\0")
                chars += len(text)
                licences.add(licence.split(" (")[0])
                n += 1
            # Per group: which source moved when the corpus differs between machines.
            sources.append({"name": group, "files": n, "chars": chars, "sha256": digest.hexdigest(), "license": ", ".join(sorted(licences)),
                            "origin": {"python_stdlib": "/usr/lib/python3.11/**/*.py",
                                       "debian_docs": "/usr/share/doc/*/ README, NEWS, *.txt, *.md, *.rst",
                                       "npm_readmes": "node_modules/**/README.md with the package's licence"}[group]})
            st.log.info("%s: %d files, %d chars", group, n, chars)
            total += chars
    for name, (path, label, domain, licence) in DEV.items():
        sources.append({"name": f"dev:{name}", "license": licence, "origin": f"../shared/datasets/{path} (training rows only; read at build time)"})
    sources.append({"name": "intent contrast set", "license": "MIT (Persona Lens)", "origin": str(CONTRAST.relative_to(ROOT)) + "/train.jsonl"})
    write_json(st.dir / "sources.json", sources)
    return {"general_chars": total, "groups": {s["name"]: {"chars": s["chars"], "sha256": s["sha256"]} for s in sources if "sha256" in s}}
