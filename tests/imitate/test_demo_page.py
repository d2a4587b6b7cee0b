"""The demo's choice of port for its page: the one asked for unless something listens there."""

import socket

from imitate.demo_page import free_port


def test_a_port_something_listens_on_is_not_offered():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        other = free_port(taken)
        assert other != taken and other > 0


def test_a_port_whose_server_closed_with_connections_in_time_wait_is_offered_again():
    """The last page's connections linger in TIME_WAIT after it stops; the next page can bind (the
    server sets SO_REUSEADDR), so the demo keeps its port."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress's listener does
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        served, _ = listener.accept()
        served.close()  # the server closes first: its side of the connection waits in TIME_WAIT
        client.close()
    with socket.socket() as plain:  # what a bind without SO_REUSEADDR meets
        try:
            plain.bind(("127.0.0.1", port))
            lingering = False
        except OSError:
            lingering = True
    assert lingering, "no connection was left in TIME_WAIT: the test set-up did not hold"
    assert free_port(port) == port
