"""Training: fine-tunes lerobot policies on imitate datasets (runs off the robot, or on a Jetson)."""
