"""Rule engine: rule base class and registry, check context, runner."""
