"""Training progress: JSON-lines events (the control page reads them), a terminal bar, a loss plot.

events.jsonl, one object per line: {"event": "start"|"step"|"val"|"checkpoint"|"done", "time": unix s,
...}. step: step, loss, lr, samples_per_s, eta_s. val: step, val_loss. checkpoint: step, path.
"""
import json
import sys
import time
from pathlib import Path


def read_events(run):
    """The events of a run folder, oldest first; [] before the first. A line still being written is
    skipped."""
    path = Path(run) / "events.jsonl"
    events = []
    if path.exists():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:  # the trainer is appending this line right now
                continue
    return events


class EventLog:
    """Appends events to <output>/events.jsonl, draws a progress bar, plots the loss."""

    def __init__(self, output, enabled=True, bar=None):
        self.path = Path(output) / "events.jsonl"
        self.enabled = enabled  # only the main process writes (multi-GPU)
        self.bar = sys.stderr.isatty() if bar is None else bar
        self.steps = 0
        if enabled:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def emit(self, event, **fields):
        """Append one event (a JSON line) and flush it."""
        if not self.enabled:
            return
        record = {"event": event, "time": round(time.time(), 3), **fields}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        self._show(record)

    def _show(self, r):
        if r["event"] == "start":
            self.steps = r["steps"]
            print(
                f"training {r['policy']} on {r['device']}: {r['episodes']} episodes, {r['frames']} frames, "
                f"{r['steps']} steps (from step {r['step']})",
                file=sys.stderr,
                flush=True,
            )
        elif r["event"] == "step":
            done = r["step"] / max(self.steps, 1)
            bar = "#" * int(30 * done) + "-" * (30 - int(30 * done))
            line = (
                f"[{bar}] {r['step']}/{self.steps} loss {r['loss']:.4f} {r['samples_per_s']:.1f} samples/s "
                f"ETA {r['eta_s']:.0f} s"
            )
            print(
                ("\r" + line) if self.bar else line, end="" if self.bar else "\n", file=sys.stderr, flush=True
            )
        elif r["event"] in ("val", "checkpoint", "done"):
            detail = {
                "val": lambda: f"validation loss {r['val_loss']:.4f}",
                "checkpoint": lambda: f"saved {r['path']}",
                "done": lambda: f"done in {r['seconds']} s",
            }[r["event"]]()
            print(("\n" if self.bar else "") + f"step {r['step']}: {detail}", file=sys.stderr, flush=True)

    def read(self):
        """Every event so far."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]

    def plot(self):
        """loss.png beside the checkpoints: training loss, and validation loss where measured."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        events = self.read()
        steps = [(e["step"], e["loss"]) for e in events if e["event"] == "step"]
        vals = [(e["step"], e["val_loss"]) for e in events if e["event"] == "val"]
        if not steps:
            return
        fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
        ax.plot(*zip(*steps, strict=True), label="training loss")
        if vals:
            ax.plot(*zip(*vals, strict=True), "o-", label="validation loss")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        fig.savefig(self.path.parent / "loss.png")
        plt.close(fig)
