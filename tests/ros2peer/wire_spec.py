"""What the interop peers send each other: topics, rates and contents (no ROS import here)."""
RATES_HZ = {"joint_states": 200, "images": 30, "commands": 100}
NAMES = [f"arm_l_joint{i}" for i in range(1, 8)]
JPEG = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + bytes(range(256)) * 200 + bytes([0xFF, 0xD9])  # ~51 kB
TOPICS = {"joint_states": "/joint_states", "images": "/image/compressed", "commands": "/cmd/arm_l"}


def missing(indices):
    """The first 20 indices below the highest one seen that never arrived."""
    return sorted(set(range(max(indices) + 1)) - indices)[:20] if indices else []
