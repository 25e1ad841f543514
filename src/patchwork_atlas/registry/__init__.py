"""Stage 3, registry: normalize, identify agencies and agreements, derive lifecycle and events."""
