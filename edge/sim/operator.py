"""The simulated operator: drives the scripted leader through a recording session.

Between episodes it sets up the scene of the episode's task (the recorder's task text, mapped to a
simulated task: 'put the ball in the bin' is `place`) and returns the arms home, the reset a person
does; when an episode starts it demonstrates; when the demonstration is over it presses the
leader's 'right' button (next), exactly as an operator ends an episode early on the real robot.
"""

import threading

from .tasks import task_for_text


class SimOperator:
    """A recorder listener that plays the operator's part with a SimRobot."""

    def __init__(self, robot, settle_s=0.3, auto_next=True):
        self.robot = robot
        self.auto_next = auto_next  # False: a person ends each episode (the page, the keyboard)
        self.settle_s = settle_s  # s to hold the object up after the demonstration before 'next'
        self._phase = None
        self._timer = None

    def __call__(self, event):
        phase = event["phase"]
        if phase == self._phase:
            return
        self._phase = phase
        if self._timer:
            self._timer.cancel()
            self._timer = None
        if phase == "warmup":  # a text no simulated task matches keeps the robot's own task
            self.robot.reset_episode(task=task_for_text(event.get("task")))
        elif phase == "recording":
            duration = self.robot.demonstrate()
            if not self.auto_next:
                return
            self._timer = threading.Timer(duration + self.settle_s, self.robot.press, args=("right",))
            self._timer.daemon = True
            self._timer.start()

    def stop(self):
        """Cancel a pending button press."""
        if self._timer:
            self._timer.cancel()
