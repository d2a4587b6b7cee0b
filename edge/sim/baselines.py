"""Reference success rates on the simulated task: the scripted leader, and a blind replay.

The blind baseline replays the mean of many demonstrations: it moves like an operator but never
looks. A learned policy must beat it clearly to show that it uses its cameras. Both run in a
SimWorld faster than real time, on the same physics and success test as everything else.
"""
from dataclasses import dataclass

import numpy as np

from .leader import ScriptedLeader
from .world import SimWorld

TIME_LIMIT_S = 8.0  # s an episode may take before it counts as failed


@dataclass(frozen=True)
class EvalResult:
    """Success over a set of seeded episodes."""

    name: str
    episodes: int
    successes: int
    mean_time_to_success_s: float  # over successful episodes; nan if none

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


def mean_demonstration(profile, episodes=40, seed=100_000):
    """The scripted leader's joint targets averaged over `episodes` random scenes: (T, J) at 100 Hz."""
    world, runs = SimWorld(profile, image_sizes={c.name: (8, 8) for c in profile.cameras}), []
    for k in range(episodes):
        world.reset(seed + k)
        leader = LeaderCommander()
        leader.start(world, seed + k)
        runs.append(np.stack([leader.targets(i / 100.0) for i in range(int(TIME_LIMIT_S * 100))]))
    return np.mean(runs, axis=0)


def evaluate(profile, commander, episodes=20, seed=0, time_limit_s=TIME_LIMIT_S):
    """Run `commander` on `episodes` seeded scenes at the profile's control rate; an EvalResult."""
    world = SimWorld(profile, image_sizes={c.name: (8, 8) for c in profile.cameras})
    dt = 1.0 / profile.control_rate_hz
    times = []
    for k in range(episodes):
        world.reset(seed + k)
        commander.start(world, seed + k)
        while world.time_s < time_limit_s:
            world.command(profile.joint_names, commander.targets(world.time_s))
            world.step(dt)
            if world.scene.success:
                times.append(world.time_s)
                break
    mean_t = float(np.mean(times)) if times else float("nan")
    return EvalResult(commander.name, episodes, len(times), mean_t)


def format_results(results):
    """A small table of EvalResults."""
    lines = [f"{'commander':<18} {'episodes':>8} {'success':>8} {'mean time to success':>21}"]
    for r in results:
        lines.append(
            f"{r.name:<18} {r.episodes:>8} {r.success_rate:>7.0%} {r.mean_time_to_success_s:>19.2f} s"
        )
    return "\n".join(lines)
