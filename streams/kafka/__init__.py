"""The Kafka client boundary: every consumer, producer and admin client is made here (with
our fetch wait), logs are read to a fetch high watermark (never `end_offsets`), and aiokafka's
errors become :mod:`streams.errors`."""
