"""The Zenoh session an rmw_zenoh node would open, from the same settings.

rmw_zenoh nodes open a session in peer mode that connects to the router (`rmw_zenohd`) on
tcp/localhost:7447, listen on a loopback port of their own, and do not multicast. The same two
variables change that here as there:
- ZENOH_SESSION_CONFIG_URI: a session configuration file (JSON5) used instead of these defaults;
- ZENOH_CONFIG_OVERRIDE: `key=value;key=value` applied on top, values in JSON5, e.g.
  `connect/endpoints=["tcp/192.168.1.10:7447"]`.
"""
import json
import os

DEFAULTS = {  # rmw_zenoh's DEFAULT_RMW_ZENOH_SESSION_CONFIG, the parts that matter here
    "mode": '"peer"',
    "connect/endpoints": '["tcp/localhost:7447"]',
    "listen/endpoints": '["tcp/localhost:0"]',
    "scouting/multicast/enabled": "false",
}


def overrides(text):
    """[(key, json5 value)] from a ZENOH_CONFIG_OVERRIDE string; ValueError saying the form."""
    pairs = []
    for part in (text or "").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"ZENOH_CONFIG_OVERRIDE part {part.strip()!r}: expected key=value, e.g. "
                             'connect/endpoints=["tcp/127.0.0.1:7447"]')
        pairs.append((key.strip(), value.strip()))
    return pairs


def session_config(ros):
    """A zenoh.Config as an rmw_zenoh node with `ros`'s settings (a RosEnvironment) would have it."""
    import zenoh  # lazy: the zenoh extra

    uri = ros.zenoh_session_config_uri
    if uri:
        if not os.path.isfile(uri):
            raise ValueError(f"ZENOH_SESSION_CONFIG_URI={uri!r} is not a file: point it at a Zenoh session "
                             "config (JSON5), or unset it for rmw_zenoh's defaults")
        config = zenoh.Config.from_file(uri)
    else:
        config = zenoh.Config()
        for key, value in DEFAULTS.items():
            config.insert_json5(key, value)
    for key, value in overrides(ros.zenoh_config_override):
        try:
            config.insert_json5(key, value)
        except Exception as err:  # zenoh says what is wrong with the key or value
            raise ValueError(f"ZENOH_CONFIG_OVERRIDE {key}={value}: {err}") from None
    return config


def router_config(listen="tcp/127.0.0.1:7447"):
    """A router's config (what `rmw_zenohd` runs), listening on `listen` only, no multicast."""
    import zenoh
    config = zenoh.Config()
    config.insert_json5("mode", '"router"')
    config.insert_json5("listen/endpoints", json.dumps([listen]))
    config.insert_json5("scouting/multicast/enabled", "false")
    return config
