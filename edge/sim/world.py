"""The simulated robot's state and physics, with no threads and no transport: step it, render it.

Position-controlled joints, as the AI Worker's JointTrajectoryControllers are: each joint follows
its target through a first-order lag, never faster than its velocity limit, never past its
position limits. Runs faster than real time for evaluations; `SimRobot` runs it on the clock.
"""

import numpy as np

from ..images import unorient
from . import kinematics as kin
from . import render
from .tasks import check_task, make_scene

# camera -> mount, under the names of the seed's table, physical_ai_tools and cyclo_intelligence (both ZED
# eyes
# are drawn from the head's one viewpoint: close enough for a policy to learn from)
CAMERA_MOUNTS = {
    "cam_head": "head",
    "cam_head_left": "head",
    "cam_head_right": "head",
    "cam_wrist_1": "left",
    "cam_wrist_left": "left",
    "cam_wrist_2": "right",
    "cam_wrist_right": "right",
}
CAMERA_FOV_DEG = {"head": 90.0, "left": 87.0, "right": 87.0}  # ZED Mini, RealSense D405 (horizontal)
SIDES = ("left", "right")


class SimWorld:
    """Joint state (in the profile's order), targets, and the scene of the current episode."""

    def __init__(self, profile, lag_s=0.05, image_sizes=None, task="pick"):
        self.profile = profile
        self.task = check_task(task)  # a task name, or "mixed": each episode's from its seed
        self.lag_s = lag_s  # s, time constant of each joint's position controller
        names = profile.joint_names
        self.index = {n: i for i, n in enumerate(names)}
        self.arm_index = {s: [self.index[f"arm_{s[0]}_joint{k}"] for k in range(1, 8)] for s in SIDES}
        self.gripper_index = {s: self.index[f"gripper_{s[0]}_joint1"] for s in SIDES}
        self.lo = np.array([profile.limits[n].min for n in names])
        self.hi = np.array([profile.limits[n].max for n in names])
        self.vmax = np.array([profile.limits[n].velocity for n in names])
        self.home = self._home()
        self.q = self.home.copy()  # (J,) joint positions
        self.velocity = np.zeros_like(self.q)  # (J,) unit/s
        self.target = self.home.copy()  # (J,) commanded positions
        self.scene = make_scene(self.task, 0)
        self.time_s = 0.0  # s since the episode began
        self.cameras = {}
        self.rotations = {cam.name: cam.rotate for cam in profile.cameras}  # crop: the recorder's, after
        for cam in profile.cameras:
            if cam.name not in CAMERA_MOUNTS:
                raise ValueError(
                    f"the simulated robot has cameras {', '.join(CAMERA_MOUNTS)}; "
                    f"profile {profile.name} asks for {cam.name!r}"
                )
            height, width = (image_sizes or {}).get(
                cam.name, cam.turned_size
            )  # drawn upright, sent as mounted
            self.cameras[cam.name] = render.PinholeCamera(
                height, width, CAMERA_FOV_DEG[CAMERA_MOUNTS[cam.name]]
            )

    def _home(self):
        q = np.zeros(len(self.index))
        for side in SIDES:
            q[self.arm_index[side]] = kin.home_pose(side)
        return np.clip(q, self.lo, self.hi)

    def reset(self, seed, task=None):
        """A new episode of `task` (default: the world's): objects placed from `seed`, arms at home, time
        at zero."""
        self.scene = make_scene(check_task(task or self.task), seed)
        self.q, self.target = self.home.copy(), self.home.copy()
        self.velocity[:] = 0.0
        self.time_s = 0.0

    def command(self, names, positions):
        """Set targets for the named joints (a JointTrajectory point); unknown names are ignored."""
        for name, value in zip(names, positions, strict=False):
            i = self.index.get(name)
            if i is not None and np.isfinite(value):
                self.target[i] = value

    def step(self, dt):
        """Advance `dt` seconds: joints toward their targets, then the task's rules."""
        wanted = (np.clip(self.target, self.lo, self.hi) - self.q) / max(self.lag_s, dt)
        self.velocity = np.clip(wanted, -self.vmax, self.vmax)
        self.q = np.clip(self.q + self.velocity * dt, self.lo, self.hi)
        self.scene.step({s: self.arm(s) for s in SIDES}, {s: self.q[self.gripper_index[s]] for s in SIDES})
        self.time_s += dt

    def lift(self):
        """The lift joint's position, m (0 on a robot without one)."""
        return self.q[self.index["lift_joint"]] if "lift_joint" in self.index else 0.0

    def arm(self, side):
        """((shoulder, elbow, wrist, tip), hand rotation) of one arm now."""
        return kin.arm_points(self.q[self.arm_index[side]], side, self.lift())

    def tips(self):
        """{side: fingertip position (3,), m, world frame} of both grippers."""
        return {s: self.arm(s)[0][3] for s in SIDES}

    def snapshot(self):
        """(joint positions, the scene's drawables): what a camera needs, safe to keep."""
        return self.q.copy(), self.scene.drawables()

    def render(self, name, snapshot=None):
        """Image (H, W, 3) uint8 BGR of camera `name` as the camera sends it (turned back by its profile
        `rotate`, as a camera mounted on its side sees), now or at an earlier `snapshot()`."""
        q, drawables = snapshot or self.snapshot()
        cam = self.cameras[name]
        img = np.empty((cam.height, cam.width, 3), np.uint8)
        mount = CAMERA_MOUNTS[name]
        lift = q[self.index["lift_joint"]] if "lift_joint" in self.index else 0.0
        arms = {s: kin.arm_points(q[self.arm_index[s]], s, lift) for s in SIDES}
        if mount == "head":
            head = [q[self.index[j]] if j in self.index else 0.0 for j in ("head_joint1", "head_joint2")]
            render.head_camera(cam, head[0], head[1], lift)
        else:
            render.wrist_camera(cam, *arms[mount])
        render.draw_table(img, cam)
        render.draw_objects(img, cam, drawables)
        for side in SIDES:
            render.draw_arm(img, cam, *arms[side], q[self.gripper_index[side]])
        return unorient(img, self.rotations[name])  # a camera mounted on its side sends its image turned
