"""The robot runtime: a policy driving the robot at the control rate, through the safety filter."""
