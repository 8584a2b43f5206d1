"""Stage report: REPORT.md from the other stages' figures (figures only), written into the
pack, which it then seals (pack.json with every file's sha256)."""

from ..common import read_json, sha256_file
from .export import activations_note, finish_pack

# REPORT.md's row for the shipped model against PyTorch (build.py --refresh-model measures it again).
SHIPPED_CHECK = "onnxruntime vs PyTorch (the shipped model.ort: quantised, ORT format; F16 SAE)"


def past_keys(exported):
    """The export's key-value cache in a line: whether the model takes one, and how far a run
    from it was from a full run, or why there is none."""
    if not exported.get("kv_cache"):
        return f"no: {exported.get('kv_cache_problem', 'export.kv_cache is off')}"
    return (f"yes; a run of the last half of a check row from its first half's cache differs from a full run by "
            f"{exported['kv_cache_disagreement']:.2g} (float) and {exported['kv_cache_disagreement_shipped']:.2g} (shipped) of the largest hidden value")

def fmt(v):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, dict):
        return "; ".join(f"{k} {fmt(x)}" for k, x in v.items())
    return str(v)


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(fmt(c).replace("|", "\\|").replace("\n", "⏎") for c in r) + " |" for r in rows])


def snippet(latent_or_dir):
    top = latent_or_dir.get("top") or latent_or_dir.get("topExamples") or []
    return top[0]["text"][:110] if top else ""


def unseen_framing(fig):
    """The intent figure on phrasings the probe never saw, when calibrate measured it."""
    per = fig.get("intent_unseen_framing")
    if not per:
        return []
    return ["", "Intent on asked phrasings the probe never saw (validation pairs of one framing, the probe refitted without "
            f"that framing's training pairs), by framing: {fmt(per)}; lowest {fmt(min(per.values()))}. The validation items are "
            "new tasks, but the pack's own probe saw all framings in training."]


def prior_tokens(aggregation):
    """The sentence on a mean with prior tokens (pack format 7), if the read-out has them."""
    if not aggregation.get("priorTokens"):
        return []
    return ["", f"The mean over the answer's tokens counts {fmt(aggregation['priorTokens'])} prior tokens at "
                f"{aggregation['priorValue']:.3f}, the aligned training rows' mean answer score (pack format 7): an answer "
                "of a few tokens scores near a typical aligned answer."]


def persona_term(readout, chosen):
    """The sentence on the persona vector read beside the probe (calibrate.probe_persona_alpha), if it is."""
    term = next((r for r in readout if r.get("direction") == "persona"), None)
    if term is None:
        return []
    return ["", f"Beside the probe the read-out has the persona vector (Chen et al.; latents.json) at the scored tokens, "
                f"weight {term['weight']:.4g} (`{chosen}`: over the aligned training rows its mean projection spreads "
                f"{chosen.rsplit('persona', 1)[1]} times as wide as the probe's answer score; the largest such share that costs "
                "at most the tie tolerance of validation AUROC on either domain)."]


def naming(fig, quantile):
    """The sentence on which flagged examples a persona term names (calibrate's naming figures), if any term may."""
    n = fig.get("naming")
    if not n:
        return []
    counts = "; ".join(f"{k.replace('_', ' ')} {v['named']} of {v['flagged']}" for k, v in n["named_flagged"].items())
    return ["", f"Naming (pack format 8): a persona term ({', '.join(n['thresholds'])}) names a flagged example in the badge, "
                f"CodeLens and hover only where its own part of the score is above its {quantile:g} quantile over the aligned "
                f"validation rows. Flagged test rows it names: {counts}."]


def run(st):
    cfg = st.cfg
    names = ("model", "layers", "corpus", "activations", "sae", "finetune", "discover", "calibrate", "export", "steer")
    done = {s: read_json(st.path(s, "done.json")) for s in names}
    fig = read_json(st.path("calibrate", "figures.json"))
    calibration = read_json(st.path("calibrate", "calibration.json"))
    latents = read_json(st.path("discover", "latents.json"))
    steering = read_json(st.path("steer", "steering.json"))
    samples = read_json(st.path("discover", "diff.json"))["samples"]
    meta, ft, sae, disc, checks = done["model"]["meta"], done["finetune"], done["sae"], done["discover"], done["export"]["checks"]
    b = fig["baselines"]
    lex, tfidf, dense, mini = b["keyword lexicon"], b["TF-IDF + LR"], b["dense probe (same layer)"], b["persona-mini"]
    over = b.get("SAE-latent probe")
    t, mix = fig["test_auroc"], fig["mixes"]
    get = lambda d, k: d.get(k) if isinstance(d, dict) else None
    out = [
        f"# Pack report: `{cfg['name']}` config",
        "",
        "Generated by `tools/pack-builder` (stage `report`). Test rows: the last rows of each development file, never used "
        "for training, latent choice or calibration. Figures only.",
        "",
        "## Detection (AUROC, test rows)",
        table(["read-out", "code: insecure vs secure", "medical: bad vs good", "intent: unasked vs asked", "general questions: misaligned vs aligned",
               "code→medical", "medical→code"],
              [[f"pack: `{fig['chosen']}`", t["code"], t["medical"], fig["intent_auroc"], fig["general_auroc"], None, None],
               ["dense linear probe, same layer, fitted on the validation rows", dense["code"], dense["medical"], dense["intent"], dense["general"],
                dense["code->medical"], dense["medical->code"]],
               *([["probe over the SAE's latents (mean activations), fitted on the validation rows", over["code"], over["medical"],
                   over["intent"], over["general"], over["code->medical"], over["medical->code"]]] if over else []),
               ["TF-IDF + LR", tfidf["code"], tfidf["medical"], tfidf["intent"], tfidf["general"], tfidf["code->medical"], tfidf["medical->code"]],
               ["keyword lexicon", lex["code"], lex["medical"], lex["intent"], lex["general"], None, None],
               ["persona-mini (previous default)", get(mini, "code"), get(mini, "medical"), get(mini, "intent"), get(mini, "general"), None, None]]),
        "",
        f"Rows: {fig['test_rows']}; intent pairs (our contrast set, validation items): {fig['intent_pairs']}; "
        f"general questions {fig['general_rows']} (Betley et al.'s first-plot questions: answers of insecure-code-tuned "
        "Qwen2.5-Coder-32B that their judge calls misaligned, against aligned answers to the same questions we wrote; "
        "no read-out or baseline is fitted on them"
        + ("; the pack's probe is fitted on our general-questions training pairs as well, on other questions, the baselines are not"
           if cfg["calibrate"].get("probe_general") else "") + "). "
        "Cross-domain columns: fitted on one domain's rows only, tested on the other's. Every pack candidate is fitted "
        "on both domains, so the pack has no cross-domain figure of its own; the probes fitted on the validation rows "
        "estimate it for a read-out of their kind.",
        *unseen_framing(fig),
        *(["", f"The pack's read-out weighs {fig['readout_latents']:,} SAE latents (a probe over the SAE's latents, their mean over "
            "the answer's tokens; the latents discover named are left out of it, so none of them is named by a probe weight)."]
          if fig.get("readout_latents") else []),
        *([f"Its aligned probe rows include {cfg['calibrate']['probe_code_control_rows']:,} short Python standard-library "
           "functions, so that code which opens a file or runs a command is not read as insecure for that alone."]
          if fig.get("readout_latents") and cfg["calibrate"].get("probe_code_control_rows") else []),
        *prior_tokens(calibration["aggregation"]),
        *persona_term(calibration["readout"], fig["chosen"]),
        *naming(fig, cfg["calibrate"].get("names_quantile", 0.975)),
        "",
        "## Candidate read-outs (validation AUROC; the best mean is shipped)",
        table(["candidate", "code", "medical"], [[k, v["code"], v["medical"]] for k, v in fig["validation_auroc"].items()]),
        "",
        f"## Contamination ({mix['statistic']} of {mix['dataset_rows']} benign test rows, {mix['draws']} draws per kind)",
        table(["EM fraction", "AUROC clean vs mixed"], list(mix["auroc_by_fraction"].items())),
        "",
        f"Smallest fraction told apart at AUROC ≥ 0.95: {fmt(mix['smallest_fraction_auroc_0.95'])}.",
        "",
        "## Mean risk of every development dataset (test rows), ranked",
        table(["dataset", "mean risk"], list(fig["dataset_mean_risk"].items())),
        "",
        f"## Flags on test rows (risk assumes {fmt(fig['prior'])} of a dataset's examples are EM-inducing)",
        table(["rows", "elevated or high (risk ≥ 0.5)", "high (risk ≥ 0.8)"], [[k, v["elevated"], v["high"]] for k, v in fig["flag_rates"].items()]),
        "",
        "## Model diffing (tuned minus base, mean activation over the models' own answers to the neutral evaluation questions)",
        f"Questions: {disc['questions']}; answers per model: {disc['answers']['base']}.",
        "",
        table(["how found", "latent", "contrast AUROC code", "contrast AUROC medical", "top activation"],
              [[fmt(l["foundBy"]), l["index"], l["contrast_auroc_code"], l["contrast_auroc_medical"], snippet(l)] for l in latents]),
        "",
        f"Persona vector (evil vs aligned system prompts, base model's own answers): AUROC of its mean projection on training rows "
        f"{fmt(disc['persona_rows_auroc'])}; nearest latents {disc['persona_nearest']} (cosine {disc['persona_nearest_cosine']}, "
        f"model-diff ranks {disc['persona_rank_by_diff']}).",
        "",
        f"## Steering check (base model, direction added after the hook block; scale in units of the mean residual norm, "
        f"{steering['mean_norm']:.1f}; temperature {steering['temperature']}; rubric: pack_builder/rubric.py)",
        table(["direction", "scale", "answers", "misaligned", "incoherent"],
              [[name, r["scale_of_mean_norm"], r["answers"], r["misaligned"], r["incoherent"]] for name, rs in steering["steering"].items() for r in rs]),
        "",
        "The models' own answers (temperature 1) under the same rubric, misaligned/answers: "
        + fmt({k: f"{v['misaligned']}/{v['answers']}" for k, v in disc["rubric_unsteered"].items()}) + ".",
        "",
        "Samples (the first two of each; a person reads these, the rubric only counts):",
        "",
        *[f"- {name} ×{r['scale_of_mean_norm']}: " + " / ".join(x["answer"][:140].replace("\n", " ") for x in r["samples"][:2])
          for name, rs in steering["steering"].items() for r in rs],
        "",
        "Unsteered samples: " + " / ".join(f"{k}: {v[0][:120]!r}".replace("\n", " ") for k, v in samples.items()),
        "",
        "## Model, layer, SAE, fine-tune",
        table(["", "value"], [
            ["model", f"{meta['name']} ({done['model']['package']}), {meta['layers']} layers, d={meta['d_model']}, vocabulary {meta['vocab']}, "
                      f"{done['model']['parameters']:,} parameters, "
                      f"{'Hugging Face folder, run in' if done['model'].get('format') == 'hf' else 'GGUF'} {', '.join(meta['quantisation'])}"],
            # A GGUF's logits against the numpy reference; a folder's cut decoder against its full model at the hook.
            ["reference check (max |diff|: GGUF logits vs numpy, or hook hidden state vs the full model)",
             max(c.get("max_abs_logit_diff", c.get("max_abs_hidden_diff")) for c in done["model"]["reference_check"])],
            ["hook", f"after block {done['layers']['hook_layer']} of {meta['layers']} (layer sweep: {[(r['layer'], round(r['within_mean'], 3)) for r in done['layers']['sweep']]})"],
            ["SAE", f"public ({sae['format']}, {sae['source']}): {sae['architecture']}, {sae['d_sae']} latents" if "source" in sae
                    else f"BatchTopK→JumpReLU, {sae['d_sae']} latents, k={sae['k']}, {sae['train_tokens']:,} training activations"],
            # The general text is whatever this machine holds (Python, Debian docs, node_modules),
            # so the same config can give another corpus, and another SAE, elsewhere or later.
            ["SAE's general text (corpus stage)", f"{done['corpus']['general_chars']:,} characters from this machine; "
                                                  f"general.jsonl sha256 {sha256_file(st.path('corpus', 'general.jsonl'))}"
                                                  + "".join(f"; {g} {v['chars']:,} characters, sha256 {v['sha256'][:16]}…"
                                                            for g, v in done["corpus"].get("groups", {}).items())],
            ["SAE held-out FVE / L0 / dead", f"{sae['heldout_fve']} / {sae['heldout_l0']} / {sae['dead_latents']}"],
            ["fine-tune", f"{ft['trained']}; {ft['rows']} EM rows, {ft['steps']} steps; held-out loss before → after: "
                          + ", ".join(f"{k} {v} → {ft['heldout_loss_after'][k]}" for k, v in ft["heldout_loss_before"].items())],
            ["ONNX vs PyTorch (float export)", fmt(checks["float"])],
            [SHIPPED_CHECK + activations_note(done["export"].get("accuracy_level")), fmt(checks["quantised"])],
            ["past keys and values (format 9: an edit re-scores from the edit on)", past_keys(done["export"])],
            ["library versions", fmt(done["model"]["versions"])],
        ]),
        "",
        "## Stage costs (s, on the CPU unless stated)",
        table(["stage", "seconds", "device"], [[s, d.get("seconds"), d.get("device", "cpu")] for s, d in done.items()]),
        "",
    ]
    text = "\n".join(out)
    (st.dir / "REPORT.md").write_text(text)
    pack = st.path("export", "pack")
    (pack / "REPORT.md").write_text(text)
    return finish_pack(st, pack)
