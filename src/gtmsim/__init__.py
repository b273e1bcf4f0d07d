"""gtmsim: an agent-based simulator (Mesa) of how marketing, sales and their integration grow a market."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gtmsim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
