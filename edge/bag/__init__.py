"""rosbag2 files (MCAP and SQLite3, through rosbags; no ROS install): importing bags into datasets
(`imitate import-bag`, importer.py) and writing each recorded episode's raw messages
(`imitate record --raw-bag`, raw_writer.py)."""
