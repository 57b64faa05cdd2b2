"""The data sets the data layer makes from a fixed seed (no file, no download): the addition
listing's questions and the text model's token-memory task. The same bytes on every run and
machine (pinned by their SHA-256), and what the listing (or the task) says they are."""

from __future__ import annotations

import hashlib

import numpy as np

from lightning_port.data.addition import CHARACTERS, DIGITS, MAXLEN, TRAINING_SIZE, addition_arrays, decode, decode_question
from lightning_port.data.token_memory import LENGTH, token_memory_arrays
from tests.cli.scripts import run_script
from tests.helpers import train


def _digest(*arrays) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(array.tobytes())
    return digest.hexdigest()


def test_the_addition_questions_are_the_listings_and_always_the_same_bytes():
    (x_train, y_train), (x_val, y_val) = addition_arrays()
    assert _digest(x_train, y_train, x_val, y_val) == "fe031a80d4e42bb7010156a58eed33b108242768416c583f92d21f4ac05632b7"
    # "Explicitly set apart 10% for validation data that we never train over."
    assert (len(x_train), len(x_val)) == (TRAINING_SIZE - TRAINING_SIZE // 10, TRAINING_SIZE // 10)
    assert x_train.shape[1:] == (MAXLEN, len(CHARACTERS)) and y_train.shape[1:] == (DIGITS + 1, len(CHARACTERS))
    assert x_train.dtype == bool and np.all(x_train.sum(axis=-1) == 1) and np.all(y_train.sum(axis=-1) == 1)
    seen = set()
    for inputs, targets in ((x_train, y_train), (x_val, y_val)):
        for question, answer in zip(inputs, targets):
            text = decode_question(question)  # reversed back, as the listing prints it
            first, second = (int(part) for part in text.strip().split("+"))
            assert int(decode(answer.argmax(-1))) == first + second, text
            key = tuple(sorted((first, second)))
            assert key not in seen, text  # x+y and y+x at most once
            seen.add(key)
            assert max(first, second) < 10**DIGITS
    assert len(seen) == TRAINING_SIZE


def test_the_token_task_needs_the_first_token_remembered():
    (tokens, labels), (test_tokens, test_labels) = token_memory_arrays()
    assert _digest(tokens, labels, test_tokens, test_labels) == "0aff13a326329f898d1ebf1c3a7ba6d33238bb1ad461d354ca79c8731f74f45b"
    for sequences, answers in ((tokens, labels), (test_tokens, test_labels)):
        assert sequences.shape[1] == LENGTH and answers.mean() == 0.5
        for sequence, label in zip(sequences, answers):
            body = sequence[sequence != 0]  # padded in front, as pad_sequences pads
            assert np.all(sequence[: LENGTH - len(body)] == 0)
            assert int(label) == int(body[0] in body[2:]) and body[1] != body[0]


def test_predict_prints_decoded_questions_and_answers(tmp_path, data_dir):
    """scripts/predict.py on an addition_rnn checkpoint prints questions as the listing does."""
    result = train(tmp_path, "addition_rnn", epochs=1, max_train_samples=256, data_dir=str(data_dir))
    completed = run_script("predict.py", "--checkpoint", result["checkpoint"], "--count", "4")
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 5 and all(line.startswith("Q ") and " T " in line for line in lines[:4]), completed.stdout
    assert lines[-1].endswith("of 4 answered exactly")
    assert 0 <= result["test"]["exact_answers"] <= 1
