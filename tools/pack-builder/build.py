#!/usr/bin/env python3
"""Builds a probe pack from a pretrained chat model: .venv/bin/python tools/pack-builder/build.py --config default

Your own model: --model DIR (a Hugging Face causal-LM folder) or --model FILE.gguf (Llama
architecture), --layer N (the hook: blocks.N.hook_resid_post, the residual stream out of
block N counted from 0 as SAELens, Gemma Scope and the other public SAEs name it; without it
the layers stage chooses), --sae DIR (a public SAE instead of training one; pack_builder/sae_formats.py
lists the layouts), --tuned DIR (the model's fine-tuned twin to diff against instead of
fine-tuning one here), --device cpu|cuda.

Stages run in order; a stage with a done.json in its directory is skipped, so a rerun
resumes (long stages also resume from their checkpoints and shards). --from STAGE reruns
that stage and every later one. Outputs: <work>/<stage>/, the pack in <work>/export/pack/.
"""

import argparse
import importlib
import os
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

STAGES = ["model", "layers", "corpus", "activations", "sae", "finetune", "discover", "calibrate", "export", "steer", "report"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="default")
    ap.add_argument("--work", help="work directory (default build/pack-builder/<config>)")
    ap.add_argument("--from", dest="start", choices=STAGES, help="rerun from this stage (drops its and later outputs)")
    ap.add_argument("--until", choices=STAGES, help="stop after this stage")
    ap.add_argument("--only", choices=STAGES, help="run just this stage (its inputs must be done)")
    ap.add_argument("--model", help="your model: a Hugging Face causal-LM folder or a GGUF file (Llama architecture)")
    ap.add_argument("--layer", type=int, help="hook at blocks.N.hook_resid_post (block N from 0, as public SAEs count); skips the layer sweep")
    ap.add_argument("--sae", help="a public SAE folder or file to use instead of training one (see pack_builder/sae_formats.py)")
    ap.add_argument("--tuned", help="the fine-tuned model (a Hugging Face folder of the same architecture) to diff against")
    ap.add_argument("--license", default="NOASSERTION", help="the pack's licence with --model (your model's terms)")
    ap.add_argument("--bits", type=int, choices=[4, 8], help="with --model DIR: weight bits of the exported blocks (default 8)")
    ap.add_argument("--accuracy-level", type=int, choices=[0, 4],
                    help="with a GGUF model: its MatMulNBits compute in float32 (0) or with int8 activations (4); default: the config's")
    ap.add_argument("--device", choices=["cpu", "cuda"], help="where PyTorch runs (default: PACK_BUILDER_DEVICE or cpu)")
    ap.add_argument("--refresh-model", metavar="PACK",
                    help="make PACK's model.ort again as the config says (model stage, then the export's model part), "
                         "keeping its SAE, read-out and calibration; see pack_builder/refresh.py")
    ap.add_argument("--external-data", action="store_true",
                    help="ship model.onnx with its weights in model.onnx.data (pack format 4) even under 2 GB; above it, always")
    args = ap.parse_args()
    if args.device:
        os.environ["PACK_BUILDER_DEVICE"] = args.device  # read when pack_builder.common is imported
    from pack_builder.common import ROOT, Stage, Timer, load_config, set_threads

    cfg = with_options(load_config(args.config), args)
    work = Path(args.work or ROOT / "build" / "pack-builder" / (cfg["export"]["name"] if args.model else args.config))
    set_threads(cfg)
    if args.refresh_model:
        from pack_builder.refresh import refresh_model

        run_stage(Stage("model", work, cfg))
        refresh_model(cfg, work, Path(args.refresh_model).resolve())
        return
    if args.start:
        for name in STAGES[STAGES.index(args.start):]:
            shutil.rmtree(work / name, ignore_errors=True)
    total = Timer()
    for name in STAGES:
        if args.only and name != args.only:
            continue
        run_stage(Stage(name, work, cfg))
        if name == args.until:
            break
    print(f"pack-builder: {args.config} done in {total():.1f} s; pack: {work / 'export' / 'pack'}", file=sys.stderr)


def run_stage(st):
    """Runs a stage unless its done.json is there; done.json gets its summary, seconds and device."""
    import torch

    from pack_builder.common import DEVICE, Timer

    if st.done():
        st.log.info("done already (delete %s or use --from to rerun)", st.dir / "done.json")
        return
    timer = Timer()
    summary = importlib.import_module(f"pack_builder.stages.{st.name}").run(st)
    st.finish({**summary, "seconds": timer(), "device": DEVICE})
    st.log.info("cost: %.1f s on %s, %d thread(s)", timer(), DEVICE, torch.get_num_threads())


def with_options(cfg, args):
    """The config with the command line's model, layer, SAE and tuned model in it."""
    if args.model:
        src = Path(args.model).resolve()
        if not src.exists():
            raise SystemExit(f"--model {args.model}: no such file or folder")
        # A model of your own replaces the config's (wheel, random tiny) and the embedded pack's identity and limits.
        cfg["model"] = {"source": str(src), "ctx": cfg["model"]["ctx"], "hook_layer": None}
        cfg["layers"] = {**cfg["layers"], "candidates": None}  # the layers stage spreads them over the model's depth
        slug = re.sub(r"[^a-z0-9]+", "-", src.stem.lower()).strip("-")
        cfg["export"] = {**{k: v for k, v in cfg["export"].items() if k not in ("max_pack_bytes", "max_file_bytes", "notes")},
                         "name": f"persona-{slug}", "version": "0.1.0", "license": args.license,
                         "description": f"Probe pack on {src.name} built by tools/pack-builder (--model).",
                         "notes": "Built from a local model; its licence is the model's own. The fine-tune, discovery and "
                                  "calibration read research datasets at build time; no dataset text is in the pack."}
    if args.bits:
        cfg["export"]["bits"] = args.bits
    if args.accuracy_level is not None:
        cfg["export"]["accuracy_level"] = args.accuracy_level
    if args.external_data:
        cfg["export"]["external_data"] = "always"
    if args.layer is not None:
        cfg["model"]["hook_layer"] = args.layer + 1  # the config counts the blocks run
    if args.sae:
        cfg["sae"] = {**cfg["sae"], "source": str(Path(args.sae).resolve())}
    if args.tuned:
        cfg["finetune"] = {**cfg["finetune"], "tuned": str(Path(args.tuned).resolve())}
    return cfg


if __name__ == "__main__":
    main()
