"""The parts of a VLA's runtime that need no graphs and no torch: the flow-matching loop and the
prompt's tokenizer (a tokenizer.json written here with the `tokenizers` library)."""

import numpy as np
import pytest

from imitate.edge.policy.flow_matching import flow_sample
from imitate.edge.policy.task_tokens import TaskTokens


def test_the_flow_loop_takes_euler_steps_from_time_one_to_zero():
    seen = []

    def velocity(x, t):
        seen.append(float(t))
        return np.full_like(x, 2.0) + t  # v = 2 + t

    noise = np.zeros((1, 3, 2), np.float32)
    x = flow_sample(velocity, noise, steps=4)
    assert seen == [1.0, 0.75, 0.5, 0.25]
    # x1 = x0 - 1/4 * sum(2 + t) over the four times = -(2 + 0.625)
    assert np.allclose(x, -2.625) and x.dtype == np.float32


def test_the_flow_loop_leaves_the_callers_noise_alone():
    noise = np.ones((1, 2, 2), np.float32)
    flow_sample(lambda x, t: x, noise, steps=10)
    assert (noise == 1).all()


@pytest.fixture
def tokenizer_json(tmp_path):
    tokenizers = pytest.importorskip("tokenizers")
    vocab = {w: i for i, w in enumerate(["<unk>", "<pad>", "pick", "up", "the", "ball", "put"])}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    return path


def test_the_prompt_is_padded_to_the_graphs_length_with_a_mask(tokenizer_json):
    prompt = TaskTokens(tokenizer_json, max_length=6, pad_id=1)
    tokens, mask = prompt("pick up the ball")
    assert tokens.tolist() == [[2, 3, 4, 5, 1, 1]] and mask.tolist() == [[True] * 4 + [False] * 2]
    assert tokens.dtype == np.int64 and mask.dtype == bool
    tokens, mask = prompt("pick up the ball put the ball up")  # 8 words: truncated to 6
    assert tokens.tolist() == [[2, 3, 4, 5, 6, 4]] and mask.all()
    assert prompt("jump")[0].tolist() == [[0, 1, 1, 1, 1, 1]]  # an unknown word is the unknown token


def test_only_the_recently_used_tasks_are_kept(tokenizer_json):
    from imitate.edge.policy.task_tokens import KEPT_TASKS

    prompt = TaskTokens(tokenizer_json, max_length=6, pad_id=1)
    first = prompt("pick up the ball")
    for i in range(3 * KEPT_TASKS):  # a page sending a new text every time
        prompt(f"put the ball {i}")
        prompt("pick up the ball")  # the task in use stays kept
    assert len(prompt._known) == KEPT_TASKS
    assert prompt("pick up the ball") is first
    assert prompt("put the ball 0")[0].tolist() == [[6, 4, 5, 0, 1, 1]]  # dropped, tokenized again alike


def test_a_missing_tokenizer_says_to_export_again(tmp_path):
    pytest.importorskip("tokenizers")
    with pytest.raises(FileNotFoundError, match=r"tokenizer.json is missing: .*export the policy again"):
        TaskTokens(tmp_path / "vlm" / "tokenizer.json", 48)
