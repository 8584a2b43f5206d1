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
