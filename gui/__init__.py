"""The control page: a Flask app over a running imitate runtime."""
