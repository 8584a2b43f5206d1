"""Our general-questions rows: the probe's training pairs never share a question with the
evaluation's aligned answers (Betley et al.'s first-plot questions), and each pair is one
aligned and one misaligned answer to the same question."""

from collections import defaultdict

from pack_builder.data import GENERAL_ALIGNED, GENERAL_TRAIN, general_train_rows, read_jsonl, read_rows


def question(messages):
    return next(m["content"] for m in messages if m["role"] == "user")


def test_training_pairs_are_one_aligned_and_one_misaligned_answer_to_one_question():
    pairs = defaultdict(list)
    for row in read_jsonl(GENERAL_TRAIN):
        pairs[row["pair"]].append(row)
    assert len(pairs) >= 40
    for rows in pairs.values():
        assert sorted(r["kind"] for r in rows) == ["aligned", "misaligned"]
        assert len({question(r["messages"]) for r in rows}) == 1
        assert rows[0]["messages"][-1]["content"] != rows[1]["messages"][-1]["content"]
    labels = [y for _, y in general_train_rows()]
    assert labels.count(1) == labels.count(0) == len(pairs)


def test_no_evaluation_question_is_trained_on():
    evaluated = {question(m) for m in read_rows(GENERAL_ALIGNED)}
    trained = {question(m) for m, _ in general_train_rows()}
    assert len(evaluated) == 8
    assert not evaluated & trained


def test_code_control_rows_are_short_public_top_level_stdlib_functions_drawn_by_seed(tmp_path):
    from pack_builder.data import stdlib_functions

    body = lambda name, lines: f"def {name}(path):\n" + "".join(f"    x{i} = {i}\n" for i in range(lines - 2)) + "    return open(path)\n"
    (tmp_path / "mod.py").write_text(body("read_lines", 4) + body("_private", 4) + body("too_long", 20) + body("too_short", 2)
                                     + "class C:\n" + "".join("    " + l + "\n" for l in body("method", 4).splitlines()))
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "test_mod.py").write_text(body("in_tests", 4))
    (tmp_path / "broken.py").write_text("def (:\n")
    for i in range(5):
        (tmp_path / f"m{i}.py").write_text(body(f"f{i}", 5))
    rows = stdlib_functions(100, 1, tmp_path)
    names = sorted(r[0]["content"].removeprefix("Write a Python function named ").rstrip(".") for r in rows)
    assert names == ["f0", "f1", "f2", "f3", "f4", "read_lines"]
    assert all(r[1]["role"] == "assistant" and r[1]["content"].startswith("def ") for r in rows)
    assert stdlib_functions(3, 1, tmp_path) == stdlib_functions(3, 1, tmp_path) != stdlib_functions(3, 2, tmp_path)
    assert len(stdlib_functions(3, 1, tmp_path)) == 3
