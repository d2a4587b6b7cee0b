"""Who may reach `imitate serve`'s page and API, decided once at start (the page and the stdlib API
both enforce it).

- The Host header must name this server: 127.0.0.1, localhost, [::1], the --host address, or a name
  given with --allow-host. A page on another domain that rebinds its name to 127.0.0.1 (DNS
  rebinding) sends its own name, and is refused. Bound to a wildcard address (0.0.0.0, ::), any IP
  literal is accepted as well: an IP in the Host header is not something a rebinding page can send.
- A login token always, loopback included (as Jupyter does): generated per start unless given,
  written to DATA/.imitate-token (mode 0600) for scripts of the same user. `--no-token` exists for
  a trusted single-user machine, on loopback only.
"""
import ipaddress
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
MIN_TOKEN_CHARS = 16
TOKEN_FILE = ".imitate-token"


@dataclass(frozen=True)
class Access:
    """The checks every request passes, and the token (None only with --no-token on loopback)."""

    token: str | None  # the login token; None: no login (loopback only, --no-token)
    # host names and addresses (lowercase, no port, IPv6 without brackets) the server answers to
    hosts: frozenset
    any_ip: bool = False  # bound to a wildcard address: any IP literal in Host is accepted too

    def host_allowed(self, host_header):
        """Whether a request's Host header ("name:port", "[::1]:8080", "name") names this server."""
        name = split_host(host_header or "")
        if not name:
            return False
        return name in self.hosts or (self.any_ip and is_ip(name))


def split_host(host_header):
    """The lowercase host of a Host header, without port, brackets or a trailing dot ("" if malformed)."""
    host, port = host_header.strip().lower(), ""
    if host.startswith("["):
        end = host.find("]")
        host, port = (host[1:end], host[end + 1 :]) if end > 0 else ("", "")
        if port and not port.startswith(":"):
            return ""
        port = port[1:]
    elif host.count(":") == 1:
        host, port = host.split(":")
    if port and not port.isdigit():
        return ""
    return host.rstrip(".")


def is_ip(name):
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def is_loopback(host):
    """Whether the bind address `host` is loopback only (localhost counts)."""
    host = split_host(host) if host not in WILDCARDS else host
    return host == "localhost" or (is_ip(host) and ipaddress.ip_address(host).is_loopback)


def resolve_access(bind_host, token=None, no_token=False, allow_hosts=()):
    """The Access for a server bound to `bind_host`; ValueError with what to do on a bad setting."""
    if no_token and token:
        raise ValueError("--no-token and --token contradict each other: give one of them")
    if no_token and not is_loopback(bind_host):
        raise ValueError(
            f"--no-token is for loopback only, not --host {bind_host}: anyone who reaches "
            f"{bind_host} could drive the robot. Leave it out (a token is generated) or use "
            "--host 127.0.0.1 with an ssh tunnel"
        )
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        raise ValueError(
            f"the token has {len(token)} characters; at least {MIN_TOKEN_CHARS} are needed "
            "(leave --token out and one is generated)"
        )
    if no_token:
        log.warning("--no-token: anyone with an account on this machine can drive the robot through the page")
    hosts = set(LOOPBACK_NAMES) | {split_host(h) for h in allow_hosts if h.strip()}
    wildcard = bind_host in WILDCARDS
    if wildcard:
        hostname = socket.gethostname().lower()
        hosts |= {hostname, f"{hostname}.local"}
    else:
        hosts.add(split_host(bind_host) if not is_ip(bind_host) else bind_host.lower())
    return Access(
        token=None if no_token else (token or secrets.token_urlsafe(24)),
        hosts=frozenset(hosts),
        any_ip=wildcard,
    )


def write_token_file(data, token):
    """DATA/.imitate-token, readable by this user alone (0600), holding `token`; returns its path."""
    path = Path(data) / TOKEN_FILE
    path.unlink(missing_ok=True)  # a file left by another user or with other modes is not reused
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    return path


def login_url(host, port, token):
    """The URL that logs a browser in once (the page then drops the token from the address)."""
    shown = "127.0.0.1" if host in WILDCARDS or is_loopback(host) else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/login?token={token}" if token else f"http://{shown}:{port}/"
