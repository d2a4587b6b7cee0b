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


def test_a_port_whose_listener_closed_is_offered_again():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
    assert free_port(port) == port
