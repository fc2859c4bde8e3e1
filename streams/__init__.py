"""Everything around the football of :mod:`tracker`: the Faust worker, the Kafka clients, the
embedded broker, the commands, providers, the benchmark and the web service (README,
"Architecture", names the rooms)."""
