"""The environment is read where the command line starts, and passed down as configuration.

A module below the command line that read `os.environ` itself would take settings no config object
shows and no test can set; the few that must touch it (a library that reads it itself) are named here
with why.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("edge", "export", "trainer", "gui", "hub", "imitate")

COMMAND_LINE = ("commands.py", "_command.py", "cli.py", "service.py")  # parse arguments, build configs
ALLOWED = {
    "edge/transport/__init__.py": "make_transport's default for a library caller that passes no settings",
    "edge/transport/dds_config.py": "writes CYCLONEDDS_URI, which Cyclone's C library reads itself",
    "edge/dataset/writer.py": "quiets SVT-AV1's banner, which the encoder library reads itself",
    "hub/client.py": "HF_ENDPOINT, which huggingface_hub reads itself",
    "imitate/demo_page.py": "hands its own environment, plus the page's token, to the serve it starts",
    "imitate/demo_robot.py": "gives the demo and all it starts a ROS domain no robot uses",
    "imitate/demo.py": "runs its closed loop's tick on SCHED_FIFO, as the Jetson unit sets it",
}


def environment_reads(path):
    """Line numbers where `path` touches os.environ or calls os.getenv."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            lines.append(node.lineno)
    return lines


def test_only_the_command_line_reads_the_environment():
    offenders = {}
    for part in PARTS:
        for path in (ROOT / part).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if path.name.endswith(COMMAND_LINE) or rel in ALLOWED:
                continue
            lines = environment_reads(path)
            if lines:
                offenders[rel] = lines
    assert not offenders, f"read the environment in a command module and pass a config down: {offenders}"


def test_the_check_sees_a_read():
    sample = ROOT / "edge" / "transport" / "dds_config.py"
    assert environment_reads(sample), "the AST walk must find os.environ where it is"
