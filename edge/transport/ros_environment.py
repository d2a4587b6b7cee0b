"""The ROS 2 settings every node on the robot reads from its environment, read and checked once.

A ROS 2 node takes its domain, discovery range and middleware configuration from environment variables,
and imitate's transports take the same ones, so that `ROS_DOMAIN_ID=30 imitate ...` reaches the robot
that `ROS_DOMAIN_ID=30 ros2 topic list` lists. The command line reads them into a `RosEnvironment`
(`RosEnvironment.from_environ(os.environ)`) and hands it to `make_transport`; no transport reads the
environment itself.
"""
import logging
from dataclasses import dataclass

from .zenoh_config import overrides

log = logging.getLogger(__name__)

SCOPES = ("localhost", "subnet")  # where DDS discovery looks


@dataclass(frozen=True)
class RosEnvironment:
    """ROS_DOMAIN_ID, the DDS discovery scope, the user's CYCLONEDDS_URI and the two Zenoh settings."""

    domain_id: int = 0  # ROS_DOMAIN_ID (the AI Worker's containers use 30)
    dds_scope: str = "localhost"  # IMITATE_DDS_SCOPE, else ROS_AUTOMATIC_DISCOVERY_RANGE
    cyclonedds_uri: str = ""  # the user's own CYCLONEDDS_URI, merged before imitate's
    zenoh_session_config_uri: str = ""  # ZENOH_SESSION_CONFIG_URI: a session config file (JSON5)
    zenoh_config_override: str = ""  # ZENOH_CONFIG_OVERRIDE: `key=value;...`, applied on top

    @classmethod
    def from_environ(cls, environ):
        """Read and check the variables; ValueError naming the variable and what it takes."""
        value = environ.get("ROS_DOMAIN_ID", "0").strip() or "0"
        if not value.isdigit() or int(value) > 232:
            raise ValueError(f"ROS_DOMAIN_ID={value!r}: expected an integer 0..232")
        scope = environ.get("IMITATE_DDS_SCOPE") or environ.get("ROS_AUTOMATIC_DISCOVERY_RANGE", "")
        scope = scope.strip().lower() or "localhost"
        if scope not in SCOPES:
            log.warning(
                "discovery scope %r not supported; using localhost (set IMITATE_DDS_SCOPE=subnet "
                "to reach other machines)",
                scope,
            )
            scope = "localhost"
        override = environ.get("ZENOH_CONFIG_OVERRIDE", "")
        overrides(override)  # its form is checked here, once
        return cls(
            domain_id=int(value),
            dds_scope=scope,
            cyclonedds_uri=environ.get("CYCLONEDDS_URI", "").strip(),
            zenoh_session_config_uri=environ.get("ZENOH_SESSION_CONFIG_URI", "").strip(),
            zenoh_config_override=override,
        )
