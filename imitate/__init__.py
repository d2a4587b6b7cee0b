"""imitate: record, train, export and run imitation-learning policies on ROS 2 robots."""
__version__ = "0.1.0"
