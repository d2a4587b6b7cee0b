"""Reference success rates on a simulated task: the scripted leader, and a blind replay.

The blind baseline replays the mean of many demonstrations of the task: it moves like an operator
doing it but never looks. A learned policy must beat it clearly to show that it uses its cameras.
Both run in a SimWorld faster than real time, on the same physics and success test as everything
else.
"""

from dataclasses import dataclass

import numpy as np

from .leader import ScriptedLeader
from .tasks import MIXED, TASKS, check_task
from .world import SimWorld


@dataclass(frozen=True)
class EvalResult:
    """Success over a set of seeded episodes."""

    name: str
    episodes: int
    successes: int
    mean_time_to_success_s: float  # over successful episodes; nan if none
    task: str = "pick"

    @property
    def success_rate(self):
        """Fraction of episodes that succeeded."""
        return self.successes / self.episodes if self.episodes else 0.0


class LeaderCommander:
    """The scripted leader as a commander: plans on the scene it is given."""

    name = "scripted leader"

    def start(self, world, seed):
        """Begin an episode in `world`, its scene made from `seed`."""
        self._leader = ScriptedLeader(world, np.random.default_rng(seed + 7919))
        self._leader.plan()

    def targets(self, t):
        """Joint targets at time t of the episode."""
        return self._leader.targets(t)

    @property
    def duration_s(self):
        """Length of this episode's demonstration, s."""
        return self._leader.duration_s


class BlindCommander:
    """Replays one fixed joint trajectory (T, J) sampled at `rate_hz`, whatever the scene."""

    name = "blind replay"

    def __init__(self, trajectory, rate_hz):
        self.trajectory, self.rate_hz = np.asarray(trajectory), rate_hz

    def start(self, world, seed):
        """Begin an episode in `world`, its scene made from `seed`."""
        pass

    def targets(self, t):
        """Joint targets at time t of the episode."""
        return self.trajectory[min(int(t * self.rate_hz), len(self.trajectory) - 1)]


def tiny_world(profile, task="pick"):
    """A SimWorld whose cameras are 8x8: for running episodes, not for looking at them."""
    return SimWorld(profile, image_sizes={c.name: (8, 8) for c in profile.cameras}, task=task)


def mean_demonstration(profile, episodes=40, seed=100_000, task="pick"):
    """The scripted leader's joint targets for `task` averaged over `episodes` random scenes: (T, J) at
    100 Hz, as long as the task's time limit."""
    world, runs = tiny_world(profile, task), []
    for k in range(episodes):
        world.reset(seed + k)
        leader = LeaderCommander()
        leader.start(world, seed + k)
        steps = int(world.scene.time_limit_s * 100)
        runs.append(np.stack([leader.targets(i / 100.0) for i in range(steps)]))
    return np.mean(runs, axis=0)


def evaluate(profile, commander, episodes=20, seed=0, time_limit_s=None, task="pick"):
    """Run `commander` on `episodes` seeded scenes of `task` at the profile's control rate, each for at
    most `time_limit_s` (default: the task's) or until it fails; an EvalResult."""
    world = tiny_world(profile, task)
    dt = 1.0 / profile.control_rate_hz
    times = []
    for k in range(episodes):
        world.reset(seed + k)
        commander.start(world, seed + k)
        limit = time_limit_s or world.scene.time_limit_s
        while world.time_s < limit and not world.scene.failed:
            world.command(profile.joint_names, commander.targets(world.time_s))
            world.step(dt)
            if world.scene.success:
                times.append(world.time_s)
                break
    mean_t = float(np.mean(times)) if times else float("nan")
    return EvalResult(commander.name, episodes, len(times), mean_t, task)


def task_names(task):
    """The tasks `task` stands for: itself, or every task for 'mixed'."""
    return list(TASKS) if check_task(task) == MIXED else [task]


def baselines(profile, task="pick", episodes=20, seed=0, time_limit_s=None):
    """The scripted leader's and the blind replay's EvalResults on each task `task` stands for."""
    results = []
    for name in task_names(task):
        blind = BlindCommander(mean_demonstration(profile, task=name), 100.0)
        results += [
            evaluate(profile, c, episodes, seed, time_limit_s, name) for c in (LeaderCommander(), blind)
        ]
    return results


def format_results(results):
    """A small table of EvalResults."""
    lines = [f"{'task':<6} {'commander':<18} {'episodes':>8} {'success':>8} {'mean time to success':>21}"]
    for r in results:
        lines.append(
            f"{r.task:<6} {r.name:<18} {r.episodes:>8} {r.success_rate:>7.0%} "
            f"{r.mean_time_to_success_s:>19.2f} s"
        )
    return "\n".join(lines)
