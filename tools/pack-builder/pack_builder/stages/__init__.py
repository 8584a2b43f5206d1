"""One module per stage; each exposes run(stage) -> summary dict (written to done.json)."""
