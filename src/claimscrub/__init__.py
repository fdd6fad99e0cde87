"""claimscrub: checks behavioral-health claims before they go to a payer."""

__version__ = "0.1.0"
