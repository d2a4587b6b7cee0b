"""Where DDS discovery looks: loopback only unless the user asks for the network.

Cyclone DDS reads CYCLONEDDS_URI when the first participant is created, so `configure()` must run
before that. The loopback configuration has the shape rmw_cyclonedds generates for Jazzy's
ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST, so a ROS 2 node started with that setting finds us.
"""
import logging
import os

log = logging.getLogger(__name__)

LOCALHOST_URI = (
    '<CycloneDDS><Domain id="any">'
    '<General><Interfaces><NetworkInterface name="lo"/></Interfaces>'
    '<AllowMulticast>false</AllowMulticast></General>'
    '<Discovery><ParticipantIndex>auto</ParticipantIndex>'
    '<MaxAutoParticipantIndex>32</MaxAutoParticipantIndex>'
    '<Peers><Peer address="127.0.0.1"/></Peers></Discovery>'
    '</Domain></CycloneDDS>')

SCOPES = ("localhost", "subnet")


def discovery_scope():
    """localhost (default) or subnet, from IMITATE_DDS_SCOPE or ROS_AUTOMATIC_DISCOVERY_RANGE."""
    scope = os.environ.get("IMITATE_DDS_SCOPE") or os.environ.get("ROS_AUTOMATIC_DISCOVERY_RANGE", "")
    scope = scope.strip().lower() or "localhost"
    if scope not in SCOPES:
        log.warning("discovery scope %r not supported; using localhost (set IMITATE_DDS_SCOPE=subnet "
                    "to reach other machines)", scope)
        return "localhost"
    return scope


def domain_id():
    """The DDS domain: ROS_DOMAIN_ID, 0 by default (the AI Worker's containers use 30)."""
    value = os.environ.get("ROS_DOMAIN_ID", "0").strip() or "0"
    if not value.isdigit() or int(value) > 232:
        raise ValueError(f"ROS_DOMAIN_ID={value!r}: expected an integer 0..232")
    return int(value)


def configure():
    """Set CYCLONEDDS_URI for the discovery scope, unless the user set one; returns what is in force."""
    if os.environ.get("CYCLONEDDS_URI"):
        return os.environ["CYCLONEDDS_URI"]  # the user's own configuration wins
    if discovery_scope() == "localhost":
        os.environ["CYCLONEDDS_URI"] = LOCALHOST_URI
    return os.environ.get("CYCLONEDDS_URI", "")
