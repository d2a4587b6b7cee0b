"""`imitate serve`: the long-running runtime (systemd-friendly) and its control API.

One process owns the transport, the sampler, a policy driving the robot when asked, and a recording
session when asked. The control page (imitate.gui, when installed) plugs its Flask app in through
`make_server`; without it a small stdlib JSON API answers: GET /api/status, POST /api/estop,
/api/clear, /api/policy/start {"path": PKG}, /api/policy/stop. 127.0.0.1 by default, a login
token always (access.py says who may reach it, and why). Settings also come from IMITATE_* environment
variables (the systemd unit's
EnvironmentFile). Under systemd: READY=1 once up, WATCHDOG=1 from the command loop (or the idle
heartbeat), and SIGTERM stops cleanly (STOPPING=1, the policy stops, a recording is closed with its
episode saved or discarded as --on-stop says).
"""

import os
import signal
import threading
import time
from pathlib import Path

from ..profile import STRING
from ..sampler import ObservationSampler
from .access import login_url, resolve_access, write_token_file
from .api_server import StdlibServer
from .config import RuntimeConfig
from .notify import Notifier
from .recording import RecordingSession, dataset_folder
from .session import Base, Session, runtime_config

ESTOP_TOPIC = "/imitate/estop"  # std_msgs/Bool: true stops all motion (clearing is the page's or API's)
BOOL = "std_msgs/msg/Bool"


def register(sub, add_transport_args):
    """Add `imitate serve` to the parser."""
    env = os.environ.get
    p = sub.add_parser(
        "serve",
        help="the long-running runtime with its control page and API (systemd-friendly)",
        description="Options left out come from the environment (the systemd unit's "
        "EnvironmentFile): IMITATE_PROFILE, IMITATE_TRANSPORT, IMITATE_POLICY, "
        "IMITATE_DATA, IMITATE_HOST, IMITATE_PORT, IMITATE_TOKEN, IMITATE_NO_TOKEN, "
        "IMITATE_ALLOW_HOSTS, IMITATE_BACKEND, IMITATE_PAGE_WATCHDOG, "
        "IMITATE_ON_STOP, IMITATE_RT_PRIORITY, IMITATE_GIL_SWITCH_MS, "
        "IMITATE_CONTROL (auto | process | thread: where the control tick runs).",
    )
    add_transport_args(p)
    p.add_argument("--policy", help="a policy package to start at once (env IMITATE_POLICY)")
    p.add_argument("--data", help="folder for datasets, runs and policies (env IMITATE_DATA; default data)")
    p.add_argument("--host", help="address of the page and API (env IMITATE_HOST; default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (env IMITATE_PORT; default 8080)")
    p.add_argument(
        "--token",
        help="login token, at least 16 characters (env IMITATE_TOKEN; default: a new one "
        "each start, in DATA/.imitate-token)",
    )
    p.add_argument(
        "--no-token",
        action="store_true",
        default=env("IMITATE_NO_TOKEN", "") == "1",
        help="no login: for a trusted single-user machine, loopback only (env IMITATE_NO_TOKEN=1)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        metavar="NAME",
        help="a host name the page answers to beyond 127.0.0.1, localhost and --host, e.g. the "
        "robot's DNS name (repeatable; env IMITATE_ALLOW_HOSTS, comma-separated)",
    )
    p.add_argument("--backend", help="policy backend (env IMITATE_BACKEND; default auto)")
    p.add_argument("--device", help="where the torch backend runs: auto, cuda, cpu (env IMITATE_DEVICE)")
    p.add_argument("--task", help="the instruction a VLA policy is prompted with (env IMITATE_TASK)")
    p.add_argument(
        "--page-watchdog",
        type=float,
        metavar="S",
        default=env("IMITATE_PAGE_WATCHDOG") or None,
        help="stop a policy started from the page when that page has not polled for S seconds: a "
        "closed laptop or a dropped tunnel stops the robot (env IMITATE_PAGE_WATCHDOG; default off)",
    )
    p.add_argument(
        "--on-stop",
        choices=["save", "discard"],
        help="what SIGTERM does with an episode being recorded (env IMITATE_ON_STOP; default save)",
    )
    p.set_defaults(handler=serve_command, make_server=None)
    p.set_defaults(
        profile=env("IMITATE_PROFILE", "sim"),
        transport=env("IMITATE_TRANSPORT") or None,
        policy=env("IMITATE_POLICY") or None,
        data=env("IMITATE_DATA", "data"),
        host=env("IMITATE_HOST", "127.0.0.1"),
        port=int(env("IMITATE_PORT", "8080")),
        token=env("IMITATE_TOKEN") or None,
        backend=env("IMITATE_BACKEND", "auto"),
        device=env("IMITATE_DEVICE", "auto"),
        task=env("IMITATE_TASK") or None,
        on_stop=env("IMITATE_ON_STOP", "save"),
        allow_host=[h.strip() for h in env("IMITATE_ALLOW_HOSTS", "").split(",") if h.strip()],
    )


class RuntimeService:
    """Transport + sampler, a policy loop and a recording session on demand; thread-safe verbs."""

    def __init__(self, config, notifier=None, clock=time.monotonic):
        if not isinstance(config, RuntimeConfig):
            raise TypeError("RuntimeService takes a RuntimeConfig (runtime_config(args, environ) builds one)")
        self.config, self.notifier = config, notifier or Notifier({})
        self.data = config.data
        self._lock = threading.RLock()
        self.session = None  # the policy driving the robot
        self.recording = None  # the RecordingSession
        self.policy_path = None
        self.policy_note = ""  # why the last policy stopped when nobody asked (the page watchdog)
        self.last_loop = None  # the last policy's loop numbers, kept after it stops (the page shows them)
        self.estopped = False
        self.clock = clock
        self.page_watchdog_s = config.page_watchdog_s
        self._policy_page = None  # id of the page that started the policy (the watchdog watches it)
        self._pages_seen = {}  # page id -> clock time of its last status poll
        self._record_samplers = {}  # fps -> ObservationSampler with the leader's actions
        self._base = Base(config)  # transport, robot, sampler: always up
        base = self._base
        self.profile, self.transport, self.sampler = base.profile, base.transport, base.sampler
        self.transport.subscribe(ESTOP_TOPIC, BOOL, lambda msg: msg.data and self.estop())
        self._driving = False  # a policy is starting or running
        self._viewed_at = -1e9  # monotonic time a page last pulled a camera stream
        if self._base.robot:  # the simulated robot renders at full rate only when someone needs it
            self._base.robot.cameras_wanted = self.cameras_wanted
        if self.profile.trigger_topic:  # the leader's buttons drive whichever recording is running
            self.transport.subscribe(self.profile.trigger_topic, STRING, self._on_button)

    # policy ---------------------------------------------------------------------------------------
    def start_policy(self, path, record=None, page=None, task=None):
        """Run the policy package at `path` (rollouts recorded into the dataset folder `record`,
        prompted with `task` when it is a VLA); refuses while recording demonstrations.
        ValueError/RuntimeError say why. `page`: the id of the page that asked, which the page
        watchdog then watches."""
        path = str(Path(path))
        with self._lock:
            if self.recording and self.recording.active:
                raise RuntimeError("a recording is running: finish it before starting a policy")
            self.stop_policy_locked()
            self._driving = True  # cameras at full rate before the loop checks their age
            session = None
            try:
                session = Session(self.config.with_policy(path, record, task), base=self._base)
                session.loop.listeners.append(lambda now, cmd: self.notifier.ping())
                session.wait_ready()
                if session.rollouts:
                    session.rollouts.begin(session.task or "policy rollout")
                session.loop.start()
            except BaseException:  # nothing half-started stays behind: no loop, no open rollout
                self._driving = False
                if session:
                    session.close()
                raise
            if self.estopped:
                session.loop.estop()
            self.session, self.policy_path = session, path
            self.policy_note, self._policy_page = "", str(page)[:64] if page else None
            self.page_seen(page)

    def stop_policy(self):
        """Stop the running policy (the robot holds where it is); no-op when none runs."""
        with self._lock:
            self.stop_policy_locked()

    def stop_policy_locked(self):
        """stop_policy with the service lock already held."""
        if self.session:
            self.last_loop = {**self.session.loop.stats(), "policy": Path(self.policy_path).name}
            self.session.close()  # stops the loop, saves a rollout being recorded
            self.session = None
            self.policy_path = None
        self._driving = False
        self._policy_page = None

    def page_seen(self, page):
        """The page with id `page` polled the status now."""
        if page:
            self._pages_seen[str(page)[:64]] = self.clock()
            if len(self._pages_seen) > 256:  # tabs come and go: keep the newest
                del self._pages_seen[min(self._pages_seen, key=self._pages_seen.get)]

    def check_page_watchdog(self):
        """Stop the policy (the robot holds) when the page that started it has been silent longer than
        --page-watchdog; returns whether it did. Called twice a second by serve's main loop."""
        with self._lock:
            page, limit = self._policy_page, self.page_watchdog_s
            if not (self.session and page and limit):
                return False
            silent = self.clock() - self._pages_seen.get(page, float("-inf"))
            if silent <= limit:
                return False
            name = Path(self.policy_path).name
            self.stop_policy_locked()
            self.policy_note = (
                f"{name} stopped: the page that started it did not poll for {silent:.1f} s "
                f"(--page-watchdog {limit:g}); the robot holds"
            )
        return True

    def camera_viewed(self):
        """A page is showing a camera stream now (keeps the simulated cameras at full rate)."""
        self._viewed_at = time.monotonic()

    def cameras_wanted(self):
        """Whether anything needs camera frames at full rate: a policy, a recording, a viewer in the last 3
        s."""
        recording = self.recording is not None and self.recording.active
        return self._driving or recording or time.monotonic() - self._viewed_at < 3.0

    def estop(self):
        """Stop all motion now; stays stopped until clear_estop(). Returns True."""
        self.estopped = True  # first, without the lock: an e-stop never waits
        session, rec = self.session, self.recording
        if session:
            session.loop.estop()
            if session.rollouts:  # a rollout being recorded is marked
                session.rollouts.flag("estop")
        if rec and rec.active:  # the leader still moves the robot; the episode is marked for review
            rec.recorder.flag("estop")
        return True

    def clear_estop(self):
        """Release the e-stop; the policy, if any, soft-starts from the current pose."""
        with self._lock:
            self.estopped = False
            if self.session:
                self.session.loop.clear_estop()

    # recording ------------------------------------------------------------------------------------
    def start_recording(self, name, config, codec="h264", fps=None, auto_next=False):
        """Record into data/datasets/<name> (created or appended to); refuses while a policy runs.
        auto_next: on the simulated robot, its operator ends each episode when the demonstration is done."""

        folder = dataset_folder(self.data / "datasets", name)
        with self._lock:
            if self.session:
                raise RuntimeError("a policy is running: stop it before recording demonstrations")
            if self.recording and self.recording.active:
                raise RuntimeError(f"already recording into {self.recording.folder.name}: finish it first")
            fps = fps or self.profile.dataset_fps
            if fps not in self._record_samplers:  # one per rate, kept: a transport cannot unsubscribe

                self._record_samplers[fps] = ObservationSampler(self.profile, self.transport, fps=fps)
            self.recording = RecordingSession(
                self._base, self._record_samplers[fps], folder, config, codec=codec, auto_next=auto_next
            )
        return self.recording

    def record_command(self, verb):
        """Send a verb to the recording session; RuntimeError when none is running."""
        rec = self.recording
        if not rec or not rec.active:
            raise RuntimeError("no recording is running: start one first")
        rec.command(verb)

    def stop_recording(self, save=True):
        """End the recording session, saving (or discarding) the episode in progress."""
        rec = self.recording
        if rec and rec.active:
            rec.stop(save=save)

    def _on_button(self, msg):
        rec = self.recording
        if rec and rec.active:
            rec.recorder.on_button(msg)

    # status ---------------------------------------------------------------------------------------
    def status(self):
        """Everything the page shows, as a JSON-ready dict."""
        with self._lock:
            loop = self.session.loop.stats() if self.session else None
            rec = self.recording.status() if self.recording else None
        state, state_age, camera_age = self.sampler.state_now()
        return {
            "profile": self.profile.name,
            "transport": self.config.transport,
            "policy": self.policy_path,
            "policy_note": self.policy_note,
            "page_watchdog_s": self.page_watchdog_s,
            "loop": loop,
            "last_loop": self.last_loop,
            "recording": rec,
            "estop": self.estopped,
            "state_age_s": _finite(state_age),
            "camera_age_s": _finite(camera_age),
            "missing": self.sampler.missing(),
        }

    def close(self):
        """Stop policy and recording, then the robot and the transport."""
        self.stop_recording(save=self.config.on_stop == "save")
        self.stop_policy()
        self._base.close()


def _finite(x):
    return None if x == float("inf") else round(float(x), 4)


def serve_command(args):
    """Run `imitate serve` until SIGTERM or Ctrl-C; returns 0."""
    access = resolve_access(args.host, args.token, args.no_token, args.allow_host)  # ValueError: said plainly
    config = runtime_config(args, os.environ)  # ValueError: said plainly
    config.data.mkdir(parents=True, exist_ok=True)
    notifier = Notifier(os.environ)
    service = RuntimeService(config, notifier)
    server = (args.make_server or StdlibServer)(service, args.host, args.port, access)
    token_file = write_token_file(config.data, access.token) if access.token else None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    try:
        if config.policy:
            service.start_policy(config.policy)
    except BaseException:
        server.shutdown()
        service.close()
        raise
    notifier.ready()
    print(f"imitate serve: {server.url}", flush=True)
    print(
        f">>> log in: {login_url(args.host, server.port, access.token)}"
        + (f"  (token also in {token_file})" if token_file else ""),
        flush=True,
    )
    while not stop.wait(0.5):
        service.check_page_watchdog()
        if service.session is None:
            notifier.ping()  # idle: the heartbeat comes from here; with a policy, from the command loop
    notifier.stopping()
    server.shutdown()
    service.close()
    print("imitate serve: stopped", flush=True)
    return 0
