"""Shared plumbing: configs, stage directories and logs, seeds, JSON I/O."""

import hashlib
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]  # the repository root
TOOL = ROOT / "tools" / "pack-builder"
SHARED = Path(os.environ.get("PERSONA_LENS_SHARED", ROOT.parent / "shared"))
DATASETS = SHARED / "datasets"
# CPU is the reference; "cuda" runs the same stages on a GPU where one is lent (minutes, not hours).
DEVICE = os.environ.get("PACK_BUILDER_DEVICE", "cpu")


def load_config(name):
    """configs/<name>.yaml, with `extends: other` merged in underneath."""
    cfg = yaml.safe_load((TOOL / "configs" / f"{name}.yaml").read_text())
    if "extends" in cfg:
        base = load_config(cfg.pop("extends"))
        for key, value in cfg.items():
            base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
        cfg = base
    return cfg


class Stage:
    """One stage's directory, log and config section; `ctx.path(stage, file)` reads other stages' outputs."""

    def __init__(self, name, work, cfg):
        self.name, self.work, self.cfg = name, Path(work), cfg
        self.dir = self.work / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = logging.getLogger(name)
        self.log.handlers.clear()
        self.log.setLevel(logging.INFO)
        self.log.propagate = False
        fmt = logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S")
        for handler in (logging.FileHandler(self.dir / "stage.log"), logging.StreamHandler(sys.stderr)):
            handler.setFormatter(fmt)
            self.log.addHandler(handler)

    @property
    def conf(self):
        return self.cfg.get(self.name, {})

    def path(self, stage, file):
        return self.work / stage / file

    def done(self):
        return (self.dir / "done.json").exists()

    def finish(self, summary):
        write_json(self.dir / "done.json", summary)


def seed_everything(seed):
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def set_threads(cfg):
    import torch

    # Debian's torch reports 1 thread unless told; the builder's budget is "threads" cores.
    torch.set_num_threads(int(os.environ.get("PACK_BUILDER_THREADS", cfg.get("threads", 2))))
    if DEVICE != "cpu":
        torch.backends.cuda.matmul.allow_tf32 = True


def load_tensors(path):
    """torch.load onto DEVICE, whichever device saved it."""
    import torch

    return torch.load(path, map_location=DEVICE)


def read_json(path):
    return json.loads(Path(path).read_text())


def write_json(path, value):
    Path(path).write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Timer:
    def __init__(self):
        self.t0 = time.time()

    def __call__(self):
        return round(time.time() - self.t0, 1)
