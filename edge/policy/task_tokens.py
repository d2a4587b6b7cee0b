"""A VLA's prompt on the robot, without torch: the task text tokenized as lerobot's preprocessor does.

lerobot appends a newline to the task, tokenizes it with the VLM's tokenizer (truncated to
`max_length`) and pads on the right. The exported graphs have a fixed prompt length, so the tokens
are always padded to `max_length`: the mask hides the padding from attention, and the positions of
what follows count only real tokens, so the padding changes nothing. The `tokenizers` library reads
the package's `tokenizer.json` (the file transformers writes); a task's tokens are kept, since the
task seldom changes while the robot runs (the last KEPT_TASKS of them: a page that sends a new text each
time cannot grow the robot's memory).
"""

from collections import OrderedDict
from pathlib import Path

import numpy as np

KEPT_TASKS = 16  # tokenized tasks kept, the least recently used dropped first


class TaskTokens:
    """task text -> (tokens (1, max_length) int64, mask (1, max_length) bool)."""

    def __init__(self, path, max_length, pad_id=0):
        try:
            from tokenizers import Tokenizer  # lazy: only VLA packages need it
        except ImportError:
            raise RuntimeError(
                "a VLA package needs the `tokenizers` library for its prompt: pip install 'imitate[vla]'"
            ) from None
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: the package's tokenizer; export the policy again")
        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        self.max_length, self.pad_id = max_length, pad_id
        self._known = OrderedDict()  # task -> (tokens, mask), most recently used last

    def __call__(self, task):
        if task in self._known:
            self._known.move_to_end(task)
        else:
            prompt = task if task.endswith("\n") else task + "\n"
            ids = self.tokenizer.encode(prompt).ids
            tokens = np.full((1, self.max_length), self.pad_id, np.int64)
            tokens[0, : len(ids)] = ids
            mask = np.zeros((1, self.max_length), bool)
            mask[0, : len(ids)] = True
            self._known[task] = (tokens, mask)
            if len(self._known) > KEPT_TASKS:
                self._known.popitem(last=False)
        return self._known[task]
