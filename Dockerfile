# Ojo: one image for the bot (`ojo run`, `ojo run --webhook`) and media workers (`ojo worker`).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy \
    PATH=/opt/venv/bin:$PATH OJO_DATA_DIR=/data

# OCR language data (tesserocr's wheel bundles libtesseract itself).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tesseract-ocr-spa tesseract-ocr-eng \
    && rm -rf /var/lib/apt/lists/*
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content
RUN uv sync --frozen --no-dev && python -m compileall -q bot handlers

RUN useradd --create-home --uid 10001 ojo && mkdir -p /data && chown ojo /data
USER ojo
VOLUME ["/data"]
EXPOSE 8080
ENV OJO_WEB_HOST=0.0.0.0
CMD ["ojo", "run"]
