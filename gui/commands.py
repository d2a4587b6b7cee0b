"""The page joins `imitate serve`: the edge registers the command, this part serves it with Flask.

The edge must not import the page (import direction: gui -> edge), so the page plugs its server
into the command's `make_server` default when the gui part is installed.
"""
import logging

log = logging.getLogger(__name__)


def register(sub):
    """Plug the page into `imitate serve` (make_server) when the gui extra is installed."""
    serve = sub.choices.get("serve")
    if serve is not None:
        serve.set_defaults(make_server=WaitressServer)


class WaitressServer:
    """The page and its API on waitress (a production WSGI server), for RuntimeService `runtime`."""

    def __init__(self, runtime, host, port, access):
        import waitress

        from .app import PageConfig, create_app  # lazy: flask loads only for serve
        self.config = PageConfig(data=runtime.data, token=access.token, access=access)
        self.app = create_app(self.config, runtime)
        # threads: each open camera stream holds one; 3 cameras in two tabs plus the API fit in 16
        self._server = waitress.create_server(self.app, host=host, port=port, threads=16, channel_timeout=30,
                                              ident="imitate")
        self.port = self._server.effective_port
        self.url = f"http://{host}:{self.port}/"

    def serve_forever(self):
        """Serve the page until shutdown()."""
        self._server.run()

    def shutdown(self):
        """Stop serving."""
        self.app.extensions["imitate"]["jobs"].stop_all()
        self._server.close()
