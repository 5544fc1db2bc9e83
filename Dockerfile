# syntax=docker/dockerfile:1
# Kordon images, from one checkout (see docs/deploy.md):
#
#   --target gateway (default)  the gateway: python:3.11-slim, non-root, port 8080
#   --target opa                the official OPA image plus this checkout's policy bundle
#                               at /bundle/bundle.tar.gz
#
#   docker build -t kordon-gateway .
#   docker build -t kordon-opa --target opa .
#
# Both come from the same build context, so the gateway code and the policy bundle that
# compose runs beside it always belong to the same checkout.

ARG OPA_VERSION=1.22.2
ARG PYTHON_IMAGE=python:3.11-slim
ARG RUST_IMAGE=rust:1.95-slim

# The pinned, official OPA binary (static, so it runs on any base).
FROM openpolicyagent/opa:${OPA_VERSION}-static AS opa-bin

# ---------------------------------------------------------------------------------------
# bpe: the wheel of native/kordon-bpe (the prompt token counter; not on PyPI), built as
# scripts/build-native.sh builds it: maturin pinned by its pyproject.toml, crates by Cargo.lock.
FROM ${RUST_IMAGE} AS bpe
RUN apt-get update && apt-get install -y --no-install-recommends python3-venv \
 && rm -rf /var/lib/apt/lists/* && python3 -m venv /opt/pip
COPY native/kordon-bpe /src/kordon-bpe
RUN /opt/pip/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels /src/kordon-bpe

# ---------------------------------------------------------------------------------------
# build: a virtualenv with kordon and its dependencies, pinned by requirements.lock
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY --from=bpe /wheels /wheels
# Dependencies first, in their own layer, so a code change does not download them again.
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > /tmp/deps.txt \
 && pip install --no-cache-dir /wheels/kordon_bpe-*.whl \
 && pip install --no-cache-dir -c requirements.lock -r /tmp/deps.txt
COPY app ./app
RUN pip install --no-cache-dir -c requirements.lock . \
 && pip check

# ---------------------------------------------------------------------------------------
# bundle: `kordon policy build` runs the real `opa build` over rego/ and data/ and stamps
# the content revision (SHA-256 of rego/ and data/), exactly as in a checkout. There is no
# .git in the build context, so the revision carries no "+git.<commit>" suffix.
FROM build AS bundle
COPY --from=opa-bin /opa /usr/local/bin/opa
WORKDIR /policy
COPY rego ./rego
COPY data ./data
RUN mkdir -p /bundle \
 && kordon policy build --opa-binary /usr/local/bin/opa --out /bundle/bundle.tar.gz > /bundle/REVISION \
 && echo "bundle revision: $(cat /bundle/REVISION)"

# ---------------------------------------------------------------------------------------
# opa: the official image, unchanged but for the bundle file and the GC setting. Runs as OPA's
# own non-root user (1000:1000); the bundle is world-readable and owned by root.
FROM openpolicyagent/opa:${OPA_VERSION}-static AS opa
COPY --from=bundle /bundle/bundle.tar.gz /bundle/REVISION /bundle/
EXPOSE 8181
# Flags and GC as `kordon serve` runs its own sidecar (app/policy/sidecar.py): bundle data kept
# as OPA values (7-10 % less evaluation per decision), collection at 400 % heap growth.
ENV GOGC=400
CMD ["run", "--server", "--addr", "0.0.0.0:8181", "--skip-version-check", "--optimize-store-for-read-speed", "--bundle", "/bundle/bundle.tar.gz"]

# ---------------------------------------------------------------------------------------
# gateway: the runtime image (the default target)
FROM ${PYTHON_IMAGE} AS gateway
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 kordon \
 && useradd --system --uid 10001 --gid kordon --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin kordon
COPY --from=build /opt/venv /opt/venv
# The working directory holds var/ (relative paths in the settings, e.g. var/keys.json);
# only var/ is writable by the service user. Compose mounts a volume there.
WORKDIR /app
RUN mkdir -p /app/var && chown kordon:kordon /app/var
USER kordon
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=3)"]
CMD ["kordon", "serve", "--host", "0.0.0.0", "--port", "8080", "--opa-url", "http://opa:8181", "--no-sidecar"]
