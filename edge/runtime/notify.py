"""systemd's notify protocol without libsystemd: READY=1, WATCHDOG=1, STOPPING=1 over NOTIFY_SOCKET."""
import socket
import time


class Notifier:
    """Sends state lines to systemd when NOTIFY_SOCKET is set in `environ` (the service's); does nothing
    otherwise."""

    def __init__(self, environ):
        address = environ.get("NOTIFY_SOCKET", "")
        self.address = "\0" + address[1:] if address.startswith("@") else address  # abstract namespace
        usec = int(environ.get("WATCHDOG_USEC", "0") or 0)
        self.watchdog_s = usec / 2e6 if usec else 5.0  # ping at half the watchdog period
        self._last_ping = 0.0

    def send(self, state):
        """Send one sd_notify message; False when not under systemd or the socket is full."""
        if not self.address:
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)  # called from the control loop: a full socket must never stall it
            try:
                sock.sendto(state.encode(), self.address)
            except OSError:  # systemd busy or gone: the watchdog will say so if this persists
                return False
        return True

    def ready(self):
        """READY=1: systemd may consider the service started."""
        return self.send("READY=1")

    def stopping(self):
        """STOPPING=1: the service is shutting down."""
        return self.send("STOPPING=1")

    def ping(self):
        """WATCHDOG=1, at most twice per watchdog period (call it from a loop as often as you like)."""
        now = time.monotonic()
        if now - self._last_ping >= self.watchdog_s:
            self._last_ping = now
            return self.send("WATCHDOG=1")
        return False
