"""Camera images of the simulated robot, drawn with OpenCV: the head camera sees the table, the task's
objects and both grippers, each wrist camera looks down from its gripper.

Cheap on purpose (a few polygons, lines and a shaded ball, about 1 ms a frame): three cameras at
30 fps must leave the CPU to the recorder and the policy.
"""

import cv2
import numpy as np

from . import scene as sc

FLOOR = (70, 70, 75)  # BGR
TABLE = (120, 160, 190)
TABLE_LINES = (100, 135, 165)
ARM = (200, 200, 200)
FINGER = (60, 60, 60)


class PinholeCamera:
    """A camera at `position` looking along `forward`; image `height` x `width`, horizontal FOV."""

    def __init__(self, height, width, fov_deg):
        self.height, self.width = height, width
        self.focal = (width / 2) / np.tan(np.radians(fov_deg) / 2)  # px
        self.rot = np.eye(3)  # world -> camera (x right, y down, z forward)
        self.pos = np.zeros(3)

    def look(self, position, forward, up_hint=(0.0, 0.0, 1.0)):
        """Place the camera; `up_hint` breaks the roll (it must not be parallel to `forward`)."""
        f = np.asarray(forward, float) / np.linalg.norm(forward)
        right = np.cross(f, up_hint)
        right /= np.linalg.norm(right)
        down = np.cross(f, right)
        self.rot, self.pos = np.stack([right, down, f]), np.asarray(position, float)

    def project(self, points):
        """(N, 3) world points -> (N, 2) pixels and (N,) depths in metres."""
        cam = (np.atleast_2d(points) - self.pos) @ self.rot.T
        depth = cam[:, 2]
        safe = np.where(depth > 1e-3, depth, 1e-3)
        px = np.stack(
            [self.focal * cam[:, 0] / safe + self.width / 2, self.focal * cam[:, 1] / safe + self.height / 2],
            1,
        )
        return px, depth


def _table_lines():
    xs = np.linspace(*sc.TABLE_X, 8)
    ys = np.linspace(*sc.TABLE_Y, 12)
    z = sc.TABLE_Z
    return [((x, sc.TABLE_Y[0], z), (x, sc.TABLE_Y[1], z)) for x in xs] + [
        ((sc.TABLE_X[0], y, z), (sc.TABLE_X[1], y, z)) for y in ys
    ]


TABLE_CORNERS = np.array(
    [
        [sc.TABLE_X[0], sc.TABLE_Y[0], sc.TABLE_Z],
        [sc.TABLE_X[1], sc.TABLE_Y[0], sc.TABLE_Z],
        [sc.TABLE_X[1], sc.TABLE_Y[1], sc.TABLE_Z],
        [sc.TABLE_X[0], sc.TABLE_Y[1], sc.TABLE_Z],
    ]
)
TABLE_LINES_3D = np.array(_table_lines())  # (L, 2, 3)


def _fix(px):
    return np.round(px * 16).astype(np.int32)  # 4 bits of sub-pixel precision for cv2's shift=4


def draw_table(img, cam):
    """Floor, table top and its grid lines; reused while the camera has not moved (the head)."""
    key = (cam.rot.tobytes(), cam.pos.tobytes())
    cached = getattr(cam, "_table", None)
    if cached is not None and cached[0] == key:
        img[:] = cached[1]
        return
    _draw_table(img, cam)
    cam._table = (key, img.copy())


def _draw_table(img, cam):
    img[:] = FLOOR
    px, depth = cam.project(TABLE_CORNERS)
    if (depth > 0.01).all():
        cv2.fillConvexPoly(img, _fix(px), TABLE, cv2.LINE_AA, 4)
    ends, depth = cam.project(TABLE_LINES_3D.reshape(-1, 3))
    for a, b, da, db in zip(ends[0::2], ends[1::2], depth[0::2], depth[1::2], strict=False):
        if da > 0.01 and db > 0.01:
            cv2.line(img, tuple(_fix(a)), tuple(_fix(b)), TABLE_LINES, 1, cv2.LINE_AA, 4)


def draw_ball(img, cam, center, color):
    """The object: a shaded ball with its shadow on the table."""
    px, depth = cam.project(np.array([center, [center[0], center[1], sc.TABLE_Z]]))
    if depth[0] <= 0.02:
        return
    radius = cam.focal * sc.OBJECT_RADIUS / depth[0]
    if depth[1] > 0.02:
        cv2.circle(img, tuple(_fix(px[1])), int(radius * 16), (40, 50, 60), -1, cv2.LINE_AA, 4)
    cv2.circle(img, tuple(_fix(px[0])), int(radius * 16), color, -1, cv2.LINE_AA, 4)
    highlight = tuple(int(min(255, c + 70)) for c in color)
    cv2.circle(
        img, tuple(_fix(px[0] - radius * 0.35)), int(radius * 16 * 0.35), highlight, -1, cv2.LINE_AA, 4
    )


CIRCLE = np.stack(
    [
        np.cos(np.linspace(0, 2 * np.pi, 24, endpoint=False)),
        np.sin(np.linspace(0, 2 * np.pi, 24, endpoint=False)),
    ],
    1,
)  # (24, 2) unit circle


def draw_objects(img, cam, drawables):
    """The scene's objects: marks on the table first, then what stands on it, farthest first."""
    flat = [d for d in drawables if isinstance(d, sc.Disc)]
    standing = [d for d in drawables if not isinstance(d, sc.Disc)]
    for d in flat:
        _draw_disc(img, cam, d)
    depth = lambda d: cam.project(np.array([[*d.center[:2], sc.TABLE_Z]]))[1][0]  # noqa: E731
    for d in sorted(standing, key=depth, reverse=True):
        if isinstance(d, sc.Ball):
            draw_ball(img, cam, np.asarray(d.center), d.color)
        else:
            _draw_cylinder(img, cam, d)


def _ring(center, radius, z):
    return np.column_stack(
        [center[0] + radius * CIRCLE[:, 0], center[1] + radius * CIRCLE[:, 1], np.full(len(CIRCLE), z)]
    )


def _draw_disc(img, cam, disc):
    """A flat mark: a filled circle with a white ring inside."""
    for radius, color in (
        (disc.radius, disc.color),
        (disc.radius * 0.55, (240, 240, 240)),
        (disc.radius * 0.3, disc.color),
    ):
        px, depth = cam.project(_ring(disc.center, radius, sc.TABLE_Z + 1e-3))
        if (depth > 0.02).all():
            cv2.fillConvexPoly(img, _fix(px), color, cv2.LINE_AA, 4)


def _draw_cylinder(img, cam, body):
    """An upright Cylinder standing on the table; an open one's inside shows darker."""
    bottom, top = (
        _ring(body.center, body.radius, sc.TABLE_Z),
        _ring(body.center, body.radius, sc.TABLE_Z + body.height),
    )
    px, depth = cam.project(np.concatenate([bottom, top]))
    if (depth <= 0.02).any():
        return
    hull = cv2.convexHull(_fix(px))
    cv2.fillConvexPoly(img, hull, body.color, cv2.LINE_AA, 4)
    lid = tuple(int(c * 0.55) if body.open_top else int(min(255, c + 50)) for c in body.color)
    cv2.fillConvexPoly(img, _fix(px[len(bottom) :]), lid, cv2.LINE_AA, 4)


def draw_arm(img, cam, points, rot, gripper):
    """An arm as thick links and two fingers whose gap follows the gripper joint."""
    px, depth = cam.project(np.stack(points))
    if (depth <= 0.02).any():
        return
    for a, b, width in ((0, 1, 0.05), (1, 2, 0.04), (2, 3, 0.03)):
        thick = max(1, int(cam.focal * width / max(depth[a], depth[b])))
        cv2.line(img, tuple(_fix(px[a])), tuple(_fix(px[b])), ARM, thick, cv2.LINE_AA, 4)
    gap = 0.045 * (1.0 - min(1.0, gripper / 1.1))  # m between the fingers: 4.5 cm open, 0 closed
    for s in (-1, 1):
        base = points[3] + rot @ np.array([0.0, s * (gap / 2 + 0.006), 0.03])
        tip = points[3] + rot @ np.array([0.0, s * (gap / 2 + 0.006), -0.02])
        fp, fd = cam.project(np.stack([base, tip]))
        if (fd > 0.02).all():
            cv2.line(
                img,
                tuple(_fix(fp[0])),
                tuple(_fix(fp[1])),
                FINGER,
                max(1, int(cam.focal * 0.012 / fd.min())),
                cv2.LINE_AA,
                4,
            )


def head_camera(cam, head_pitch, head_yaw, lift):
    """Point the head camera: 58 degrees down at rest, pitch and yaw from the head joints."""
    pitch = np.radians(58.0) - head_pitch  # head_joint1 > 0 looks up
    forward = (np.cos(pitch) * np.cos(head_yaw), np.cos(pitch) * np.sin(head_yaw), -np.sin(pitch))
    cam.look((0.05, 0.0, 1.45 + lift), forward)


def wrist_camera(cam, points, rot):
    """Mount a wrist camera behind the gripper, looking along the fingers."""
    forward = rot @ np.array([0.0, 0.0, -1.0])
    cam.look(points[2] + rot @ np.array([-0.06, 0.0, 0.0]), forward, up_hint=rot @ np.array([1.0, 0.0, 0.0]))
