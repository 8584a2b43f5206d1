"""build.py --refresh-model PACK: a built pack's model file made again by the export stage's model
part (stages/export.py, export_model) as the config now says (its accuracy_level, say), from the
model stage's model, without the two hours of SAE, fine-tune, discovery and calibration. The
pack's SAE, read-out, calibration and latents stay as they are; what depends on the model is
measured again: the cache check (a run from kept keys and values against a full run),
onnxruntime against PyTorch on the config's check rows (REPORT.md's row for the shipped model;
the pack's F16 SAE on both sides, where the full build scores PyTorch with the F32 SAE), and the
check rows the TypeScript test compares with (check.jsonl, expected.json in <work>/export/).
pack.json gets the config's version, the refresh in its builder line and every file's sha256."""

import shutil
from datetime import datetime, timezone

from .common import Stage, read_json, sha256_file, write_json
from .lm import LM
from .sae import PublicSAE
from .sae_formats import saelens
from .stages.export import INT8_NOTE, OrtPack, activations_note, compare, export_model, write_check
from .stages.report import SHIPPED_CHECK, fmt


def refresh_model(cfg, work, pack):
    manifest = read_json(pack / "pack.json")
    if "model.ort" not in manifest["files"]:
        raise SystemExit(f"--refresh-model: {pack} has no model.ort (a model with external data is rebuilt in full)")
    # The pack's hook, not the layer sweep's: blocks.N.hook_resid_post is N + 1 blocks run.
    cfg["model"]["hook_layer"] = int(manifest["model"]["hookPoint"].split(".")[1]) + 1
    st = Stage("export", work, cfg)
    lm = LM(st)
    fresh = st.dir / "refreshed"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    _, shipped, exported = export_model(st, lm, fresh)
    if read_json(fresh / "tokenizer.json") != read_json(pack / "tokenizer.json"):
        raise SystemExit(f"--refresh-model: the config's model is not {pack}'s (their tokenizers differ)")

    sae = PublicSAE(*saelens(pack / "sae"))
    from safetensors.torch import load_file

    directions = load_file(str(pack / "directions.safetensors"))
    calibration = read_json(pack / "calibration.json")
    threads = int(cfg.get("threads", 2))
    checks = compare(st, lm, sae, directions, calibration, [("quantised", shipped, sae)], threads)
    write_check(st, OrtPack(shipped, threads), lm, sae, directions, calibration, read_json(pack / "latents.json"))
    shutil.copyfile(shipped, pack / "model.ort")

    note = activations_note(exported.get("accuracy_level"))
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    label = (f"{SHIPPED_CHECK}{note}; measured again by --refresh-model on {day}, "
             "the F16 SAE on both sides")
    report = (pack / "REPORT.md").read_text().splitlines()
    row = next(i for i, line in enumerate(report) if line.startswith(f"| {SHIPPED_CHECK}"))
    report[row] = f"| {label} | {fmt(checks['quantised'])} |"
    (pack / "REPORT.md").write_text("\n".join(report) + "\n")

    source = manifest["provenance"]["sources"][0]
    source["origin"] = source["origin"].replace(INT8_NOTE, "") + note
    builder = manifest["provenance"]["builder"].split("; model refreshed")[0]
    manifest["provenance"]["builder"] = f"{builder}; model refreshed by --refresh-model on {day}"
    manifest["version"] = cfg["export"]["version"]
    manifest["files"] = {name: sha256_file(pack / name) for name in manifest["files"]}
    write_json(pack / "pack.json", manifest)
    st.log.info("refreshed %s: %s; %s", pack, exported, checks)
    return {"pack": str(pack), **exported, "checks": checks}
