"""rmw_zenoh's names on the wire: data key expressions, liveliness tokens (the ROS 2 graph), QoS.

The formats are rmw_zenoh's (ros2/rmw_zenoh docs/design.md; shared/reference/rmw-zenoh.md):
- data:      <domain>/<topic without leading slash>/<dds type>/<RIHS01 type hash>
- node:      @ros2_lv/<domain>/<zid>/<node id>/<node id>/NN/<enclave>/<namespace>/<node name>
- endpoint:  @ros2_lv/<domain>/<zid>/<node id>/<entity id>/MP|MS/<enclave>/<namespace>/<node name>/
             <topic>/<dds type>/<type hash>/<qos>
Names are mangled ("/" becomes "%"; an empty namespace or enclave is "%"). QoS is compact:
<reliability>:<durability>:<history kind>,<depth>:<deadline>:<lifespan>:<liveliness>, an empty
field meaning rmw_zenoh's default (reliable, volatile, keep last).
"""
from dataclasses import dataclass

ADMIN = "@ros2_lv"
PUBLISHER, SUBSCRIPTION, NODE = "MP", "MS", "NN"
BEST_EFFORT = "2"  # rmw_zenoh's reliability code; reliable is the default, written empty


def mangle(name):
    """A ROS name as one key-expression chunk: "/" -> "%", the empty or root name -> "%"."""
    return "%" if not name or name == "/" else name.replace("/", "%")


def demangle(chunk):
    return chunk.replace("%", "/")


def topic_key(domain, topic, dds_type, type_hash):
    """The key expression samples of `topic` travel on."""
    return f"{domain}/{topic.lstrip('/')}/{dds_type}/{type_hash}"


def qos_token(qos):
    """imitate's Qos (reliability, keep-last depth) in rmw_zenoh's compact form."""
    return f"{'' if qos.reliable else BEST_EFFORT}::,{qos.depth}:,:,:,,"


def node_token(domain, zid, node_id, name, namespace="/", enclave="/"):
    names = f"{mangle(enclave)}/{mangle(namespace)}/{mangle(name)}"
    return f"{ADMIN}/{domain}/{zid}/{node_id}/{node_id}/{NODE}/{names}"


def endpoint_token(
    domain,
    zid,
    node_id,
    entity_id,
    kind,
    node_name,
    topic,
    dds_type,
    type_hash,
    qos,
    namespace="/",
    enclave="/",
):
    return (
        f"{ADMIN}/{domain}/{zid}/{node_id}/{entity_id}/{kind}/{mangle(enclave)}/{mangle(namespace)}/"
        f"{mangle(node_name)}/{mangle(topic)}/{dds_type}/{type_hash}/{qos}"
    )


@dataclass(frozen=True)
class Endpoint:
    """One publisher or subscription of the graph, as its liveliness token says."""

    kind: str  # PUBLISHER or SUBSCRIPTION
    node: str  # the node's fully qualified name
    topic: str
    dds_type: str
    type_hash: str
    qos: str


def parse_endpoint(key):
    """The Endpoint a liveliness token names, or None for a node, a service or a foreign key."""
    parts = str(key).split("/")
    if len(parts) < 13 or parts[0] != ADMIN or parts[5] not in (PUBLISHER, SUBSCRIPTION):
        return None
    namespace, node = demangle(parts[7]), demangle(parts[8])
    return Endpoint(
        kind=parts[5],
        node=(namespace.rstrip("/") + "/" + node),
        topic=demangle(parts[9]),
        dds_type=parts[10],
        type_hash=parts[11],
        qos="/".join(parts[12:]),
    )
