"""A small policy without a checkpoint, so the command loop and the control process are tested where
lerobot is not installed (the robot's own machine): it plans the robot's current pose with one joint
swinging gently, a chunk of 30 steps at 30 fps, in a fraction of a millisecond."""
import numpy as np

from imitate.edge.policy.base import Policy
from imitate.edge.policy_package import PolicyPackage


def fake_package(profile, root, camera="cam_head", fps=30, chunk=30):
    """A PolicyPackage for `profile`'s joints and one camera, with no graph files (nothing reads them)."""
    cam = profile.camera(camera)
    joints = list(profile.joint_names)
    return PolicyPackage(
        root,
        {
            "format": 1,
            "policy_type": "act",
            "fps": fps,
            "chunk_size": chunk,
            "n_action_steps": chunk,
            "n_obs_steps": 1,
            "inputs": {
                "state": {"name": "observation.state", "dtype": "float32", "joints": joints},
                "cameras": [
                    {
                        "name": camera,
                        "input": f"observation.images.{camera}",
                        "height": cam.height,
                        "width": cam.width,
                        "dtype": "uint8",
                        "layout": "HWC",
                        "color": "RGB",
                        "rotate_deg": 0,
                    }
                ],
            },
            "outputs": {"action": {"joints": joints, "dtype": "float32"}},
            "graphs": {},
        },
    )


class SwingPolicy(Policy):
    """Each chunk: the observed pose, with `joint` swinging by `amplitude` rad over a 2 s period."""

    def __init__(self, package, joint_index, amplitude=0.05):
        super().__init__(package)
        self.joint, self.amplitude, self.calls = joint_index, amplitude, 0

    def actions(self, observation):
        assert set(observation["images"]) == set(self.package.cameras), (
            "the loop hands over the policy's cameras"
        )
        self.calls += 1
        state = np.asarray(observation["state"], np.float32)
        steps = np.arange(self.package.chunk_size) / self.package.fps
        chunk = np.repeat(state[None], self.package.chunk_size, axis=0)
        chunk[:, self.joint] += self.amplitude * np.sin(np.pi * (steps + self.calls * 0.1)).astype(np.float32)
        return chunk
