"""Training, export and engine builds started from the page: `imitate` subprocesses with a log each.

A subprocess, not a thread: training uses every core and may crash (out of memory) without taking
the robot's runtime down with it. Progress comes from the run's own events.jsonl (trainer issue);
the job's output goes to <folder>/job.log.
"""
import subprocess
import sys
import threading
import time
from pathlib import Path


class Jobs:
    """The page's background jobs, by name; at most one training at a time (it takes every core)."""

    def __init__(self, config):
        self.config = config
        self._lock = threading.Lock()
        self._procs = {}  # name -> (kind, Popen, folder)

    def _start(self, name, kind, argv, folder):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if kind == "train" and any(k == "train" and p.poll() is None for k, p, _ in self._procs.values()):
                raise RuntimeError("a training run is already going: wait for it or stop it first")
            if name in self._procs and self._procs[name][1].poll() is None:
                raise RuntimeError(f"{kind} {name} is already running")
            log = open(folder / f"{kind}.log", "ab")
            proc = subprocess.Popen(
                [sys.executable, "-m", "imitate.cli", *argv],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            log.close()
            self._procs[name] = (kind, proc, folder)
        return proc.pid

    def train(self, name, dataset, policy, preset, steps, device, resume=False):
        """Start `imitate train` into data/runs/<name>; `resume`: from its last checkpoint."""
        run = self.config.runs / name
        resume = ["--resume"] if resume and (run / "checkpoints" / "last").exists() else []
        return self._start(
            name,
            "train",
            [
                "train",
                "--dataset",
                str(dataset),
                "--output",
                str(run),
                "--policy",
                policy,
                "--preset",
                preset,
                "--steps",
                str(steps),
                "--device",
                device,
                *resume,
            ],
            run,
        )

    def export(self, run_name, dataset, package=None):
        """Start `imitate export` of a run into data/policies/<package> (default: the run's name)."""
        out = self.config.policies / (package or run_name)
        argv = ["export", str(self.config.runs / run_name), "--out", str(out)]
        if dataset:
            argv += ["--dataset", str(dataset)]
        return self._start(f"export:{run_name}", "export", argv, self.config.runs / run_name)

    def build_engine(self, policy_name):
        """Start `imitate build-engine` for a package."""
        return self._start(
            f"engine:{policy_name}",
            "engine",
            ["build-engine", str(self.config.policies / policy_name)],
            self.config.policies / policy_name,
        )

    def push_dataset(self, dataset_name, repo, private=False):
        """`imitate hub push-dataset` of data/datasets/<name>; its log is data/jobs/push-<name>/hub.log."""
        argv = [
            "hub",
            "push-dataset",
            str(self.config.datasets / dataset_name),
            repo,
            *(["--private"] if private else []),
        ]
        return self._start(
            f"push:{dataset_name}", "hub", argv, self.config.data / "jobs" / f"push-{dataset_name}"
        )

    def pull_policy(self, repo, name):
        """`imitate hub pull-policy` into data/policies/<name>."""
        argv = ["hub", "pull-policy", repo, str(self.config.policies / name)]
        return self._start(f"pull:{name}", "hub", argv, self.config.data / "jobs" / f"pull-{name}")

    def hub_jobs(self):
        """[{name, state, log}] of the Hub transfers this page started, with each log's last line."""
        with self._lock:
            entries = [(n, folder) for n, (kind, _, folder) in self._procs.items() if kind == "hub"]
        out = []
        for name, folder in entries:
            lines = (folder / "hub.log").read_text(errors="replace").strip().splitlines()
            out.append({"name": name, "state": self.state(name), "log": lines[-1][-300:] if lines else ""})
        return out

    def stop(self, name):
        """Terminate a running job (killed after 10 s); RuntimeError when it is not running."""
        with self._lock:
            entry = self._procs.get(name)
        if not entry or entry[1].poll() is not None:
            raise RuntimeError(f"{name} is not running")
        entry[1].terminate()
        try:
            entry[1].wait(timeout=10)
        except subprocess.TimeoutExpired:
            entry[1].kill()

    def state(self, name):
        """'running', 'done', 'failed (exit N)' or None when the page never started it."""
        with self._lock:
            entry = self._procs.get(name)
        if not entry:
            return None
        code = entry[1].poll()
        return "running" if code is None else "done" if code == 0 else f"failed (exit {code})"

    def log_tail(self, name, lines=15):
        """The last `lines` lines of a job's log ('' when the page never started it)."""
        with self._lock:
            entry = self._procs.get(name)
        if not entry:
            return ""
        path = entry[2] / f"{entry[0]}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def stop_all(self):
        """Stop every running job (the service is shutting down)."""
        for name in list(self._procs):
            if self.state(name) == "running":
                self.stop(name)


def run_summary(run):
    """What the page shows of a training run folder: progress, last loss, checkpoints."""
    from imitate.trainer.events import read_events  # torch-free, like trainer.presets

    events = read_events(run)
    path = Path(run) / "events.jsonl"
    start = next((e for e in events if e["event"] == "start"), {})
    steps = [e for e in events if e["event"] == "step"]
    checkpoints = (
        sorted(p.name for p in (Path(run) / "checkpoints").glob("[0-9]*"))
        if (Path(run) / "checkpoints").is_dir()
        else []
    )
    return {
        "name": Path(run).name,
        "policy": start.get("policy"),
        "steps": start.get("steps"),
        "step": steps[-1]["step"] if steps else 0,
        "loss": steps[-1]["loss"] if steps else None,
        "eta_s": steps[-1].get("eta_s") if steps else None,
        "samples_per_s": steps[-1].get("samples_per_s") if steps else None,
        "done": any(e["event"] == "done" for e in events),
        "checkpoints": checkpoints,
        "updated": path.stat().st_mtime if path.exists() else time.time(),
        "curve": [[e["step"], e["loss"]] for e in steps],
        "val": [[e["step"], e["val_loss"]] for e in events if e["event"] == "val"],
    }
