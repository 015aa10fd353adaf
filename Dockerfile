# betalab image: API, worker and CLI. TORCH_VARIANT=cpu (default) or cu128 for CUDA hosts.
FROM python:3.11-slim

ARG TORCH_VARIANT=cpu
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1

WORKDIR /app
RUN pip install --index-url "https://download.pytorch.org/whl/${TORCH_VARIANT}" torch==2.13.0
COPY pyproject.toml README.md alembic.ini ./
COPY vae_core vae_core
COPY api api
COPY worker worker
COPY persistence persistence
COPY betalab_cli betalab_cli
COPY migrations migrations
RUN pip install .

ENV BETALAB_HOST=0.0.0.0 BETALAB_DATA_DIR=/data BETALAB_ARTIFACT_ROOT=/artifacts
EXPOSE 8000
CMD ["betalab", "serve", "--external"]
