# syntax=docker/dockerfile:1
# The Kordon image (see docs/deploy.md): python:3.11-slim, non-root, port 8080. `kordon serve`
# runs the pinned, official OPA binary as its own supervised sidecar, as `make run` does, with
# this checkout's rego/ and data/ as its embedded default policy.
#
#   docker build -t kordon-gateway .

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
# gateway: the runtime image (the default target)
FROM ${PYTHON_IMAGE} AS gateway
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN groupadd --system --gid 10001 kordon \
 && useradd --system --uid 10001 --gid kordon --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin kordon
COPY --from=build /opt/venv /opt/venv
# OPA as a child of the gateway, not a container beside it: the decision memo needs to hear of
# every bundle activation, which `kordon serve` arranges only for the OPA it starts
# (docs/design-notes.md, "One container: OPA as the gateway's child").
COPY --from=opa-bin /opa /usr/local/bin/opa
# The working directory holds the embedded default policy (rego/, data/; read-only) and var/
# (relative paths in the settings, e.g. var/keys.json, and the bundle built at start); only
# var/ is writable by the service user. Compose mounts a volume there.
WORKDIR /app
COPY rego ./rego
COPY data ./data
# The policy must build here, as it will at start: the real `opa build`, content revision
# stamped (no .git in the build context, so no "+git.<commit>" suffix).
RUN kordon policy build --opa-binary /usr/local/bin/opa --out /tmp/bundle.tar.gz > /tmp/REVISION \
 && echo "bundle revision: $(cat /tmp/REVISION)" \
 && rm /tmp/bundle.tar.gz /tmp/REVISION \
 && mkdir -p /app/var && chown kordon:kordon /app/var
USER kordon
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/readyz', timeout=3)"]
CMD ["kordon", "serve", "--host", "0.0.0.0", "--port", "8080", "--opa-binary", "/usr/local/bin/opa"]
