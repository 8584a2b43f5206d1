"""Persona Lens pack builder: builds a probe pack (model + SAE + read-out) from scratch.

Stages run in order (see build.py); each writes under <work>/<stage>/ and a
done.json, so a rerun skips finished stages and resumes training checkpoints.
"""
