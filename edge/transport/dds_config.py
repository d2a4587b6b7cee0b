"""Where DDS discovery looks, and what Cyclone must tolerate to talk to today's ROS 2 nodes.

Cyclone DDS reads CYCLONEDDS_URI when the first participant is created, so `configure(ros)` must run
before that. The loopback configuration has the shape rmw_cyclonedds generates for Jazzy's
ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST, so a ROS 2 node started with that setting finds us.

Every configuration also carries COMPATIBILITY: Fast DDS 3 (ROS 2 Kilted's rmw_fastrtps) announces
XTypes type information for ROS message types that Cyclone 11 rejects as invalid
(`ddsi_xt_type_init_impl with invalid type object`), and Cyclone then never matches the endpoints:
no sample crosses, though both graphs list the topics. Ignoring type information from eProsima's
vendor id (1.15) makes Cyclone match by topic and type name, which is how the ROS 2 RMWs match
among themselves (rmw_cyclonedds advertises no type information at all).
"""
import os

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

def cyclone_uri(user_uri, scope):
    """The CYCLONEDDS_URI to use: the user's own (or the loopback one) with COMPATIBILITY after it.

    Cyclone reads a comma-separated list of files and XML fragments and merges them in order.
    """
    base = user_uri or (LOCALHOST_URI if scope == "localhost" else "")
    if COMPATIBILITY in base:
        return base  # configured already (this process, or a parent that passed its environment on)
    return f"{base},{COMPATIBILITY}" if base else COMPATIBILITY


def configure(ros):
    """Set CYCLONEDDS_URI for `ros` (a RosEnvironment: the user's URI wins over the scope's) in this
    process's environment, where Cyclone reads it; returns what is in force."""
    os.environ["CYCLONEDDS_URI"] = cyclone_uri(ros.cyclonedds_uri, ros.dds_scope)
    return os.environ["CYCLONEDDS_URI"]
