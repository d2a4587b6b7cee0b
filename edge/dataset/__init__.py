"""LeRobot v3.0 datasets written on the robot: no torch, no lerobot, durable at every save."""
from .writer import DatasetError, DatasetWriter, SavedEpisode

__all__ = ["DatasetError", "DatasetWriter", "SavedEpisode"]
