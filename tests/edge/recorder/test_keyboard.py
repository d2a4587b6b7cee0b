"""`imitate record` on a terminal: the keys drive the session (a real pseudo-terminal)."""
import json
import os
import pty
import select
import sys
import time

import pytest


def read_until(fd, text, timeout_s):
    out, deadline = b"", time.monotonic() + timeout_s
    while text.encode() not in out and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out.decode(errors="ignore")


@pytest.mark.slow
def test_space_starts_right_arrow_saves_q_finishes(tmp_path):
    root = tmp_path / "ds"
    pid, fd = pty.fork()
    if pid == 0:  # the child: imitate record on a terminal
        os.execv(
            sys.executable,
            [
                sys.executable, "-m", "imitate.cli", "record", "--transport", "sim", "--dataset", str(root),
                "--task", "pick", "--episodes", "5", "--episode-time", "30", "--reset-time", "0", "--codec",
                "h264",
            ],
        )
    try:
        assert "keys:" in read_until(fd, "keys:", 30)
        assert "idle" in read_until(fd, "idle", 30)  # on a terminal it waits for space
        os.write(fd, b" ")
        read_until(fd, "recording", 10)
        time.sleep(1.0)
        os.write(fd, b"\x1b[C")  # right arrow: next (save now)
        read_until(fd, "episode 0 saved", 10)
        time.sleep(1.0)
        os.write(fd, b"q")  # finish: saves the episode being recorded
        out = read_until(fd, "episodes saved to", 20)
    finally:
        _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, out
    info = json.loads((root / "meta/info.json").read_text())
    assert info["total_episodes"] == 2 and info["total_frames"] < 30 * 30 * 2
