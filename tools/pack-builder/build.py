#!/usr/bin/env python3
"""Builds a probe pack from a pretrained chat model: .venv/bin/python tools/pack-builder/build.py --config default

Stages run in order; a stage with a done.json in its directory is skipped, so a rerun
resumes (long stages also resume from their checkpoints and shards). --from STAGE reruns
that stage and every later one. Outputs: <work>/<stage>/, the pack in <work>/export/pack/.
"""

import argparse
import importlib
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from pack_builder.common import DEVICE, ROOT, Stage, Timer, load_config, set_threads  # noqa: E402

STAGES = ["model", "layers", "corpus", "activations", "sae", "finetune", "discover", "calibrate", "export", "steer", "report"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="default")
    ap.add_argument("--work", help="work directory (default build/pack-builder/<config>)")
    ap.add_argument("--from", dest="start", choices=STAGES, help="rerun from this stage (drops its and later outputs)")
    ap.add_argument("--until", choices=STAGES, help="stop after this stage")
    ap.add_argument("--only", choices=STAGES, help="run just this stage (its inputs must be done)")
    args = ap.parse_args()
    cfg = load_config(args.config)
    work = Path(args.work or ROOT / "build" / "pack-builder" / args.config)
    set_threads(cfg)
    if args.start:
        for name in STAGES[STAGES.index(args.start):]:
            shutil.rmtree(work / name, ignore_errors=True)
    total = Timer()
    for name in STAGES:
        if args.only and name != args.only:
            continue
        st = Stage(name, work, cfg)
        if st.done():
            st.log.info("done already (delete %s or use --from to rerun)", st.dir / "done.json")
        else:
            timer = Timer()
            summary = importlib.import_module(f"pack_builder.stages.{name}").run(st)
            st.finish({**summary, "seconds": timer(), "device": DEVICE})
            st.log.info("cost: %.1f s on %s, %d thread(s)", timer(), DEVICE, torch.get_num_threads())
        if name == args.until:
            break
    print(f"pack-builder: {args.config} done in {total():.1f} s; pack: {work / 'export' / 'pack'}", file=sys.stderr)


if __name__ == "__main__":
    main()
