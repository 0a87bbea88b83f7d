"""A small client for Tandem's REST API and the `tandem` command line built on it."""

from tandem_client.api import ApiError, Client

__all__ = ["ApiError", "Client"]
__version__ = "0.1.0"
