"""Where DDS discovery looks, and what Cyclone must tolerate to talk to today's ROS 2 nodes.

Cyclone DDS reads CYCLONEDDS_URI when the first participant is created, so `configure()` must run
before that. The loopback configuration has the shape rmw_cyclonedds generates for Jazzy's
ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST, so a ROS 2 node started with that setting finds us.

Every configuration also carries COMPATIBILITY: Fast DDS 3 (ROS 2 Kilted's rmw_fastrtps) announces
XTypes type information for ROS message types that Cyclone 11 rejects as invalid
(`ddsi_xt_type_init_impl with invalid type object`), and Cyclone then never matches the endpoints:
no sample crosses, though both graphs list the topics. Ignoring type information from eProsima's
vendor id (1.15) makes Cyclone match by topic and type name, which is how the ROS 2 RMWs match
among themselves (rmw_cyclonedds advertises no type information at all).
"""
import logging
import os

log = logging.getLogger(__name__)

EPROSIMA_VENDOR_ID = "1.15"  # Fast DDS; the RTPS vendor id Cyclone's IgnoreTypeInformation takes

COMPATIBILITY = ('<CycloneDDS><Domain id="any"><Compatibility>'
                 f'<IgnoreTypeInformation>{EPROSIMA_VENDOR_ID}</IgnoreTypeInformation>'
                 '</Compatibility></Domain></CycloneDDS>')

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


def cyclone_uri(user_uri, scope):
    """The CYCLONEDDS_URI to use: the user's own (or the loopback one) with COMPATIBILITY after it.

    Cyclone reads a comma-separated list of files and XML fragments and merges them in order.
    """
    base = user_uri or (LOCALHOST_URI if scope == "localhost" else "")
    if COMPATIBILITY in base:
        return base  # configured already (this process, or a parent that passed its environment on)
    return f"{base},{COMPATIBILITY}" if base else COMPATIBILITY


def configure():
    """Set CYCLONEDDS_URI for the discovery scope (the user's own wins); returns what is in force."""
    os.environ["CYCLONEDDS_URI"] = cyclone_uri(
        os.environ.get("CYCLONEDDS_URI", "").strip(), discovery_scope()
    )
    return os.environ["CYCLONEDDS_URI"]
