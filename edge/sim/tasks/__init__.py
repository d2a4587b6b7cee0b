"""The simulated robot's tasks, one module each: pick, place, avoid; `mixed` takes turns by seed.

A task is a Scene subclass (edge/sim/scene.py): where its objects go for a seed, its success rule,
what the cameras draw, the scripted leader's demonstration, and the instruction (`text`) its
episodes are recorded under. Adding a task is one module and one line in TASKS.
"""

from .avoid import AvoidScene
from .pick import PickScene
from .place import PlaceScene

TASKS = {scene.name: scene for scene in (PickScene, PlaceScene, AvoidScene)}
MIXED = "mixed"
CHOICES = (*TASKS, MIXED)
KEYWORDS = {
    "bin": "place",
    "place": "place",
    "put": "place",
    "obstacle": "avoid",
    "avoid": "avoid",
    "target": "avoid",
    "pick": "pick",
    "lift": "pick",
}


def check_task(task):
    """`task` if it is a task name or 'mixed'; ValueError naming the choices otherwise."""
    if task not in CHOICES:
        raise ValueError(f"simulated task {task!r}: expected one of {', '.join(CHOICES)}")
    return task


def episode_task(task, seed):
    """The task of the episode made from `seed`: `task` itself, or under 'mixed' one by turns."""
    check_task(task)
    return list(TASKS)[seed % len(TASKS)] if task == MIXED else task


def task_for_text(text):
    """The simulated task an instruction asks for ('put the ball in the bin' -> 'place'), or None.

    A task's own text or name matches; otherwise its keywords (bin, obstacle, target, pick, ...).
    """
    words = str(text or "").lower().strip()
    for name, scene in TASKS.items():
        if words in (name, scene.text):
            return name
    for word, name in KEYWORDS.items():
        if word in words.replace(",", " ").split():
            return name
    return None


def make_scene(task, seed):
    """The Scene of episode `seed` of `task` (a name or 'mixed')."""
    return TASKS[episode_task(task, seed)].random(seed)
