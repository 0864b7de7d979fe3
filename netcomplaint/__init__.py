"""netcomplaint: network-complaint diagnostics for mobile operators."""

__version__ = "0.1.0"
