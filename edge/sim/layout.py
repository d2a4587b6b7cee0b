"""Where an operator puts the objects of a recording session: spread over the table, not at random.

A person recording demonstrations may move the ball across the whole table between episodes rather
than drop it anywhere: 40 random balls leave a quarter of the table more than 2.9 cm from every
demonstration, 40 spread 1%. Scenes stay made from seeds (reproducible): `spread_seeds` picks, for
each cell of a grid over where a task's objects go, the seed whose scene puts its object nearest the
cell's centre. `bench/demo_levers.py --layout spread` trains on such a recording; so far it did worse
than random placement in closed loop (docs/demo-levers.md), so the demo records at random.
"""

import numpy as np

from .tasks import make_scene

POOL = 5000  # seeds 0..POOL-1 are searched; evaluation seeds are drawn far above (imitate demo)


def grid_cells(count, low, high):
    """`count` cell centres (count, 2) of a grid over the box low..high, cells as square as can be,
    row by row, each row the other way round (serpentine): neighbours in order are neighbours on the
    table."""
    span = np.asarray(high, float) - np.asarray(low, float)
    rows = max(1, min(count, round(np.sqrt(count * span[0] / span[1])) if span[1] > 0 else count))
    cols = -(-count // rows)
    cells = []
    for i in range(rows):
        order = range(cols) if i % 2 == 0 else reversed(range(cols))
        cells += [((i + 0.5) / rows, (j + 0.5) / cols) for j in order]
    keep = np.round(np.linspace(0, len(cells) - 1, count)).astype(int)  # a full last row: drop evenly
    return np.asarray(low, float) + np.asarray(cells)[keep] * span


def spread_seeds(task, count, pool=POOL):
    """`count` distinct seeds of `task` whose objects (Scene.spot) cover the table evenly."""
    if not 0 < count <= pool:
        raise ValueError(f"spread over {count} scenes: expected 1 to {pool}")
    spots = np.array([make_scene(task, seed).spot() for seed in range(pool)])
    free = np.ones(pool, bool)
    seeds = []
    for centre in grid_cells(count, spots.min(0), spots.max(0)):
        gaps = np.where(free, np.linalg.norm(spots - centre, axis=1), np.inf)
        seed = int(gaps.argmin())
        free[seed] = False
        seeds.append(seed)
    return seeds
