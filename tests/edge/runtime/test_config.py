"""The runtime's configuration: built once from the command line and the environment, checked in one
place, then passed down (nothing below the CLI reads args or the environment)."""
import pytest

from imitate.cli import build_parser
from imitate.edge.runtime.config import LoopConfig, RuntimeConfig
from imitate.edge.runtime.session import runtime_config


def test_serve_arguments_and_the_units_environment_become_one_config(tmp_path):
    args = build_parser().parse_args(
        [
            "serve",
            "--transport",
            "sim",
            "--data",
            str(tmp_path),
            "--page-watchdog",
            "3",
            "--on-stop",
            "discard",
            "--backend",
            "ort-cpu",
        ]
    )
    environ = {"IMITATE_RT_PRIORITY": "50", "IMITATE_GIL_SWITCH_MS": "0.5", "IMITATE_CONTROL": "thread"}
    config = runtime_config(args, environ)
    assert (config.profile, config.transport, config.data, config.backend) == (
        "sim",
        "sim",
        tmp_path,
        "ort-cpu",
    )
    assert (config.on_stop, config.page_watchdog_s, config.policy, config.record) == (
        "discard",
        3.0,
        None,
        None,
    )
    assert config.loop == LoopConfig(rt_priority=50, gil_switch_ms=0.5, control="thread")


def test_run_takes_the_ensemble_and_a_policy_started_by_the_service_blends():
    args = build_parser().parse_args(
        ["run", "--transport", "sim", "--policy", "pkg", "--ensemble", "0.01", "--record", "rollouts",
         "--replan-steps", "10"]
    )  # fmt: skip
    config = runtime_config(args, {})
    assert config.loop.replan_steps == 10 and runtime_config(args, {}).loop == config.loop
    assert config.loop.ensemble_coeff == 0.01 and config.record == "rollouts" and config.policy == "pkg"
    started = config.with_policy("other", record=None)
    assert started.policy == "other" and started.record is None and started.loop.ensemble_coeff is None
    assert started.loop.rt_priority == config.loop.rt_priority  # the rest is kept


def test_the_loop_defaults_read_no_environment(monkeypatch):
    monkeypatch.setenv("IMITATE_RT_PRIORITY", "80")
    monkeypatch.setenv("IMITATE_CONTROL", "process")
    assert LoopConfig() == LoopConfig(rt_priority=0, control="auto")


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"IMITATE_RT_PRIORITY": "high"}, "IMITATE_RT_PRIORITY='high': expected an integer"),
        ({"IMITATE_RT_PRIORITY": "120"}, "real-time priority 120: expected 0 (off) to 99"),
        ({"IMITATE_GIL_SWITCH_MS": "-1"}, "GIL switch interval -1.0 ms: expected >= 0"),
        ({"IMITATE_CONTROL": "fast"}, "control 'fast': expected one of auto, thread, process"),
    ],
)
def test_a_bad_environment_is_refused_naming_the_variable(environ, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LoopConfig.from_environ(environ)


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(backend="cuda"), "backend 'cuda': expected auto or one of ort-cpu"),
        (dict(on_stop="keep"), "on-stop 'keep': expected save or discard"),
        (dict(page_watchdog_s=-2.0), "page watchdog -2.0 s: expected a number of seconds > 0"),
        (dict(loop=dict(ensemble_coeff=float("nan"))), "ensemble coefficient nan"),
        (dict(loop=dict(replan_steps=0)), "replan steps 0: expected a whole number of actions >= 1"),
    ],
)
def test_bad_settings_are_refused_in_one_place(fields, message):
    with pytest.raises(ValueError, match=message):
        if "loop" in fields:
            LoopConfig(**fields["loop"])
        else:
            RuntimeConfig(**fields)


def test_the_service_takes_a_config_not_the_command_line():
    from imitate.edge.runtime.service import RuntimeService

    with pytest.raises(TypeError, match="takes a RuntimeConfig"):
        RuntimeService(build_parser().parse_args(["serve", "--transport", "sim"]))
