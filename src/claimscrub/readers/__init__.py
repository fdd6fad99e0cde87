"""Readers: one module per input format, each returning a *raw* frame (see claimscrub.model)."""
