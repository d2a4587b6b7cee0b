"""Kinematics of the simulated AI Worker's arms: a 7-joint chain with the real robot's proportions.

World frame: x forward, y left, z up, metres, origin on the floor under the torso. Joint angles in
rad. The chain is a simplification (shoulder pitch, roll, yaw; elbow pitch; forearm yaw; wrist
pitch, roll), not the real URDF: close enough to make the cameras see what a real arm would do.
"""

import numpy as np

SHOULDER_Y = 0.22  # m, left shoulder at +y, right at -y
SHOULDER_Z = 1.05  # m above the floor with the lift at 0
UPPER_ARM = 0.33  # m, shoulder to elbow
FOREARM = 0.30  # m, elbow to wrist
HAND = 0.12  # m, wrist to the point between the gripper fingers
HOME = np.array([-0.52, 0.07, 0.0, -2.07, 0.0, 2.59, 0.0])  # rad: hands 17 cm above the table, pointing down


def rot_x(a):
    """Rotation matrix about x by angle a (rad)."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(a):
    """Rotation matrix about y by angle a (rad)."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(a):
    """Rotation matrix about z by angle a (rad)."""
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def side_sign(side):
    """+1 for the left arm, -1 for the right (mirror image)."""
    return 1.0 if side == "left" else -1.0


def home_pose(side):
    """The 7 arm joints of the home pose: hands above the near edge of the table."""
    return HOME.copy()  # arm_points mirrors the roll, so both arms share joint values


def arm_points(q, side, lift=0.0):
    """(shoulder, elbow, wrist, tip) positions, each (3,), and the hand rotation (3, 3)."""
    sign = side_sign(side)
    shoulder = np.array([0.0, sign * SHOULDER_Y, SHOULDER_Z + lift])
    rot = rot_y(q[0]) @ rot_x(sign * q[1]) @ rot_z(q[2])
    elbow = shoulder + rot @ np.array([0.0, 0.0, -UPPER_ARM])
    rot = rot @ rot_y(q[3]) @ rot_z(q[4])
    wrist = elbow + rot @ np.array([0.0, 0.0, -FOREARM])
    rot = rot @ rot_y(q[5]) @ rot_x(q[6])
    tip = wrist + rot @ np.array([0.0, 0.0, -HAND])
    return (shoulder, elbow, wrist, tip), rot


def tip_position(q, side, lift=0.0):
    """Position (3,) of the point between the gripper fingers."""
    return arm_points(q, side, lift)[0][3]


def _pointing_down(q3):
    """Full arm joints from (shoulder pitch, shoulder roll, elbow): wrist pitched so the hand points down."""
    q = np.zeros(7)
    q[0], q[1], q[3] = q3
    q[5] = -(q[0] + q[3])  # the hand's pitch cancels the arm's: fingers point at the table
    return q


def solve_ik(target, side, seed=None, lift=0.0, iterations=60):
    """Arm joints (7,) that put the gripper tip at `target` pointing down, by damped least squares.

    Returns (q, error_m). Used by the scripted leader, which plays the operator's role of knowing
    where to put the hand; the follower and the policy never see it.
    """
    seed_q = home_pose(side) if seed is None else np.asarray(seed, dtype=float)
    x = np.array([seed_q[0], seed_q[1], seed_q[3]])
    damping, eps = 1e-3, 1e-5
    for _ in range(iterations):
        base = tip_position(_pointing_down(x), side, lift)
        err = target - base
        if np.linalg.norm(err) < 1e-4:
            break
        jac = np.stack(
            [(tip_position(_pointing_down(x + eps * e), side, lift) - base) / eps for e in np.eye(3)], 1
        )
        x = x + jac.T @ np.linalg.solve(jac @ jac.T + damping * np.eye(3), err)
    q = _pointing_down(x)
    return q, float(np.linalg.norm(target - tip_position(q, side, lift)))
