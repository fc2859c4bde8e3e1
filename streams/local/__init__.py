"""Running things on this machine: the embedded broker, worker and web processes, and the
process helpers they share (a free loopback port, children that die with their parent)."""
