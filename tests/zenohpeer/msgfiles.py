"""The .msg files zenoh-ros2-sdk reads, written from rosbags' Jazzy definitions (offline)."""
from pathlib import Path

from imitate.edge.messages import typestore

SEPARATOR = "=" * 80


def write_msg_files(root, msgtypes, distro="jazzy"):
    """root/<pkg>/msg/<Name>.msg for each type and every type nested in it; returns root."""
    for msgtype in msgtypes:
        text, _ = typestore(distro).generate_msgdef(msgtype, ros_version=2)
        blocks = text.split(SEPARATOR + "\n")
        named = [(msgtype, blocks[0])] + [
            (b.split("\n", 1)[0][len("MSG: ") :], b.split("\n", 1)[1]) for b in blocks[1:]
        ]
        for name, body in named:
            pkg, _, leaf = name.replace("/msg/", "/").partition("/")
            path = Path(root) / pkg / "msg" / f"{leaf}.msg"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body.strip() + "\n")
    return Path(root)
