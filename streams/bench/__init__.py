"""The benchmark: its measurements, and generated ties that look like real matches."""
