"""Flow-matching sampling in numpy, the action loop of SmolVLA (and pi0) outside the graphs.

As lerobot's `sample_actions`: from noise at time 1, `steps` Euler steps of dt = -1/steps down to
time 0, each calling the action expert once through `velocity(x, t) -> v`.
"""

import numpy as np


def flow_sample(velocity, noise, steps):
    """Integrate `noise` (1, horizon, A) from t = 1 to t = 0; returns the normalized actions."""
    dt = np.float32(-1.0 / steps)
    x = np.asarray(noise, np.float32)
    for step in range(steps):
        t = 1.0 + step * (-1.0 / steps)  # lerobot computes the time in double, then feeds float32
        x = (x + dt * velocity(x, np.float32(t))).astype(np.float32)
    return x
