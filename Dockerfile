# betalab image: API, worker and CLI. TORCH_VARIANT=cpu (default) or cu128 for CUDA hosts.
FROM python:3.11-slim

ARG TORCH_VARIANT=cpu
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1

WORKDIR /app
RUN pip install --index-url "https://download.pytorch.org/whl/${TORCH_VARIANT}" torch==2.13.0
# The generated SDK first: the CLI's client commands import it.
COPY clients/python clients/python
RUN pip install ./clients/python
COPY pyproject.toml README.md alembic.ini ./
COPY vae_core vae_core
COPY api api
COPY worker worker
COPY persistence persistence
COPY betalab_cli betalab_cli
COPY migrations migrations
# MNIST ships with the code (data/mnist, SHA-256 checked on load): found with no setting.
COPY data/mnist data/mnist
# Editable, so persistence.migrate finds alembic.ini and migrations/ next to the packages.
RUN pip install -e .

# An unprivileged user; named volumes mounted on these folders start out owned by it.
RUN useradd --create-home --uid 1000 betalab \
    && mkdir -p /data /artifacts /cache \
    && chown betalab:betalab /data /artifacts /cache
USER betalab

ENV BETALAB_HOST=0.0.0.0 BETALAB_DATA_DIR=/data BETALAB_ARTIFACT_ROOT=/artifacts \
    BETALAB_CACHE_DIR=/cache
EXPOSE 8000
CMD ["betalab", "serve", "--external"]
