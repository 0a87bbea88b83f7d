FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg espeak-ng tesseract-ocr nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY frontend/package.json frontend/package-lock.json frontend/
RUN cd frontend && npm ci --no-audit --no-fund
COPY . .
RUN cd frontend && npm run build
ENV DJANGO_SETTINGS_MODULE=tandem.settings PYTHONUNBUFFERED=1
# Not root: the workers decode uploaded files with ffmpeg. The folders the processes write to
# belong to that user (a named volume mounted on /data/media takes the image folder's owner).
RUN useradd --create-home --uid 10001 tandem && mkdir -p /app/var /data/media && chown tandem /app/var /data/media
USER tandem
EXPOSE 8000
