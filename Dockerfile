# The tracker worker (and the scripts) for docker-compose.yml.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tracker ./tracker
COPY streams ./streams
COPY scripts ./scripts
RUN pip install --no-cache-dir ".[rocksdb]"
ENV KAFKA_BROKER=kafka://kafka:19092 \
    TRACKER_DATADIR=/data/{conf.id}-data
# The web views stay on the container's loopback; publish them deliberately if you want them.
CMD ["python", "-m", "streams", "worker", "-l", "info", "--web-host", "127.0.0.1"]
