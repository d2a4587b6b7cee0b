"""The simulated operator: drives the scripted leader through a recording session.

Between episodes it sets up the scene of the episode's task (the recorder's task text, mapped to a
simulated task: 'put the ball in the bin' is `place`) and returns the arms home, the reset a person
does; when an episode starts it demonstrates; when the demonstration is over it presses the
leader's 'right' button (next), exactly as an operator ends an episode early on the real robot.

With the simulated robot in a process of its own (`imitate sim --transport dds`, as a real robot
is), the recorder cannot call it: `OperatorRelay`, the recorder's listener there, passes its phases
on /sim/operator, and `OperatorDesk`, in the simulated robot's process, hands them to a SimOperator.
The leader's buttons then come back over the wire, as a real leader's do.
"""

import json
import logging
import threading
import weakref

from .. import messages as m
from ..profile import STRING
from .robot import STATUS_TOPIC
from .tasks import task_for_text

log = logging.getLogger(__name__)
OPERATOR_TOPIC = "/sim/operator"  # std_msgs/String, JSON: {"phase", "task", "auto_next"}
_HEARD = weakref.WeakKeyDictionary()  # transport -> Event set once /sim/status arrived on it
_HEARD_LOCK = threading.Lock()


def simulated_robot_heard(transport):
    """An Event set once a simulated robot's /sim/status arrives on `transport`: one subscription per
    transport, however many recording sessions relay on it (transports have no unsubscribe)."""
    with _HEARD_LOCK:
        if transport not in _HEARD:
            heard = threading.Event()
            transport.subscribe(STATUS_TOPIC, STRING, lambda _: heard.set())
            _HEARD[transport] = heard
        return _HEARD[transport]


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


class OperatorRelay:
    """The recorder's listener when the simulated robot runs elsewhere: each event's phase and task go
    on /sim/operator, once that robot is heard (/sim/status), so nothing is published to a real one.
    Every event is passed on, not only changes: the next makes good a message lost on the wire (the
    desk acts on changes)."""

    def __init__(self, transport, auto_next=True, distro=m.DEFAULT_DISTRO):
        self.transport, self.auto_next, self.distro = transport, auto_next, distro
        self.heard = simulated_robot_heard(transport)  # its status: it is there to be operated

    def __call__(self, event):
        if not self.heard.is_set():
            return
        text = json.dumps({"phase": event["phase"], "task": event.get("task"), "auto_next": self.auto_next})
        self.transport.publish(OPERATOR_TOPIC, STRING, m.string(text, self.distro))

    def stop(self):
        """Nothing pending here: the desk's own timers end with its episode."""


class OperatorDesk:
    """In the simulated robot's process: /sim/operator messages to a SimOperator. `take_over()` is
    called before the first one acts (`imitate sim` stops its own demonstrations: from then on the
    recorder sets the pace, as an operator does)."""

    def __init__(self, robot, transport, take_over=None):
        self.operator = SimOperator(robot)
        self.take_over = take_over
        self._lock = threading.Lock()
        transport.subscribe(OPERATOR_TOPIC, STRING, self._on_message)

    def _on_message(self, msg):
        try:
            event = json.loads(msg.data)
            if not isinstance(event, dict) or not isinstance(event.get("phase"), str):
                raise ValueError("expected a JSON object with a phase")
        except ValueError as err:  # JSONDecodeError is a ValueError
            log.warning("%s: %s: %.80r", OPERATOR_TOPIC, err, msg.data)
            return
        with self._lock:
            if self.take_over:
                self.take_over()
                self.take_over = None
            self.operator.auto_next = bool(event.get("auto_next", True))
            self.operator(event)
