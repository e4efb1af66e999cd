FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir . && DJANGO_ENV=production SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    CACHE_URL=dummycache:// python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "-c", "python:rekrytering.gunicorn", "rekrytering.wsgi:application"]
