"""A small stand-in robot for recorder tests: values that say where they came from.

Joint states (100 Hz, names shuffled) carry position[j] = j + k/1000 for message k, so a dataset
row proves it was mapped by name from one message. Leader commands carry -(j + k/1000). Cameras
(30 Hz) send JPEGs of an image that changes every frame.
"""
import threading

import cv2
import numpy as np

from imitate.edge import messages as m
from imitate.edge.clock import paced


class FakeRobot:
    def __init__(self, profile, transport, camera_fps=30.0, leader=True):
        self.profile, self.transport, self.camera_fps, self.leader = profile, transport, camera_fps, leader
        self.names = list(profile.joint_names)
        self.order = list(np.random.default_rng(0).permutation(len(self.names)))  # not the profile's order
        self._running = False
        self._threads = []
        self.silent_cameras = set()  # cameras that stop publishing (tests of stale detection)

    def image(self, cam, k):
        h, w = self.profile.camera(cam).height, self.profile.camera(cam).width
        x = np.linspace(0, 1, w)[None, :, None]
        y = np.linspace(0, 1, h)[:, None, None]
        planes = [x * 0.8 + 0 * y, y * 0.6 + 0.2 + 0 * x, (1 - x) * 0.5 + 0.1 + 0 * y]
        img = np.ascontiguousarray((255 * np.concatenate(planes, axis=2)).astype(np.uint8))
        cv2.circle(
            img, (int(w * (0.2 + 0.6 * ((k * 7) % 50) / 50)), h // 2), h // 8, (30, 40, 200), -1, cv2.LINE_AA
        )
        cv2.putText(img, str(k), (10, h - 20), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA)
        return img  # smooth background, a moving ball, a frame number: like a camera, not like noise

    def start(self):
        self._running = True
        self._threads = [
            threading.Thread(target=self._joints, daemon=True),
            threading.Thread(target=self._cameras, daemon=True),
        ]
        for t in self._threads:
            t.start()
        return self

    def stop(self):
        self._running = False
        for t in self._threads:
            t.join(2)

    def _joints(self):
        for k, _ in enumerate(paced(100.0, lambda: self._running)):
            names = [self.names[i] for i in self.order]
            self.transport.publish(
                self.profile.joint_states,
                "sensor_msgs/msg/JointState",
                m.joint_state(names, [i + k / 1000 for i in self.order]),
            )
            if self.leader:
                for g in self.profile.groups:
                    idx = [self.names.index(j) for j in g.joints]
                    self.transport.publish(
                        g.command.topic,
                        "trajectory_msgs/msg/JointTrajectory",
                        m.joint_trajectory(g.joints, [-(i + k / 1000) for i in idx]),
                    )

    def _cameras(self):
        for k, _ in enumerate(paced(self.camera_fps, lambda: self._running)):
            for cam in self.profile.cameras:
                if cam.name in self.silent_cameras:
                    continue
                jpeg = cv2.imencode(".jpg", self.image(cam.name, k), [cv2.IMWRITE_JPEG_QUALITY, 95])[1]
                self.transport.publish(
                    cam.topic,
                    "sensor_msgs/msg/CompressedImage",
                    m.compressed_image(jpeg.ravel(), cam.name),
                    qos="sensor_data",
                )
