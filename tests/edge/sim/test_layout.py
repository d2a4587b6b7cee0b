"""A recording's layout: the scenes' objects spread over the table as an operator spreads them."""

import numpy as np
import pytest

from imitate.edge.sim.layout import grid_cells, spread_seeds
from imitate.edge.sim.tasks import make_scene


def uncovered(seeds, task="pick", reach=0.029):
    """The share of 500 random scenes (seeds far above the pool) whose object is farther than `reach`
    from every one of `seeds`' objects."""
    taught = np.array([make_scene(task, s).spot() for s in seeds])
    tests = np.array([make_scene(task, s).spot() for s in range(10_000_000, 10_000_500)])
    return float(np.mean(np.linalg.norm(tests[:, None] - taught[None], axis=2).min(1) > reach))


def test_spread_balls_leave_fewer_gaps_than_random_ones():
    seeds = spread_seeds("pick", 40)
    assert len(set(seeds)) == 40
    assert uncovered(seeds) < 0.05 < 0.15 < uncovered(range(40))  # random: about a quarter


@pytest.mark.parametrize("task", ["place", "avoid", "mixed"])
def test_every_task_spreads(task):
    seeds = spread_seeds(task, 12)
    assert len(set(seeds)) == 12 and uncovered(seeds, task, reach=0.05) < uncovered(
        range(12), task, reach=0.05
    )


def test_grid_cells_are_as_many_as_asked_and_inside_the_box():
    for count in (1, 3, 7, 40, 41):
        cells = grid_cells(count, (0.36, -0.26), (0.50, 0.26))
        assert cells.shape == (count, 2) and len(np.unique(cells, axis=0)) == count
        assert (cells >= (0.36, -0.26)).all() and (cells <= (0.50, 0.26)).all()


def test_a_bad_count_is_refused():
    with pytest.raises(ValueError, match="expected 1 to 5000"):
        spread_seeds("pick", 0)
