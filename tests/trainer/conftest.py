import pytest

pytest.importorskip("lerobot", reason="the trainer needs lerobot (extra 'train')")
