"""The CI templates in docs/ci/ parse, run every lifecycle step, and call `kordon` with flags the
real command line accepts."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.cli import _parser

DOCS = Path(__file__).resolve().parents[3] / "docs" / "ci"
TEMPLATES = ("github-actions.yml", "gitlab-ci.yml")
# `${{ vars.X }}`, `${X}`, `$X`: a placeholder argument stands in for what CI fills in.
_VARIABLE = re.compile(r"\$\{\{[^}]*\}\}|\$\{\w+\}|\$\w+")
REQUIRED = (
    "opa fmt --fail",
    "opa check --strict",
    "--coverage --threshold",
    "regal lint",
    "kordon policy build --out bundle.tar.gz",
    "kordon policy replay --candidate bundle.tar.gz --since 24h",
    "--signing-key",
    "kordon policy push",
    "CGO_ENABLED=0",
)


def _scripts(template: dict[Any, Any]) -> Iterator[str]:
    """Every shell script of a workflow: GitHub `run:` steps and GitLab `script:` lists."""
    for job in (template.get("jobs") or template).values():
        if not isinstance(job, dict):
            continue
        for step in job.get("steps", ()):
            if "run" in step:
                yield step["run"]
        for key in ("before_script", "script"):
            yield from job.get(key, ())


def _load(name: str) -> dict[Any, Any]:
    loaded = yaml.safe_load((DOCS / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def _commands(name: str) -> list[str]:
    commands = []
    for script in _scripts(_load(name)):
        joined = script.replace("\\\n", " ")  # shell line continuations
        commands += [line.strip() for line in joined.splitlines() if line.strip()]
    return commands


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_runs_every_lifecycle_step(name: str) -> None:
    text = " ".join(_commands(name))
    for step in REQUIRED:
        assert step in text, f"{name} does not run {step!r}"


@pytest.mark.parametrize("name", TEMPLATES)
def test_kordon_calls_parse_with_the_real_command_line(name: str) -> None:
    parser = _parser()
    calls = [c for c in _commands(name) if c.startswith("kordon ")]
    assert len(calls) == 4  # build, replay, build signed, push
    for call in calls:
        argv = shlex.split(_VARIABLE.sub("VALUE", call))[1:]
        parser.parse_args(argv)  # argparse exits (fails the test) on an unknown flag


def test_github_workflow_shape() -> None:
    workflow = _load("github-actions.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert isinstance(triggers, dict)
    assert set(triggers) == {"pull_request", "push"}
    for step in workflow["jobs"]["check"]["steps"]:
        assert ("uses" in step) != ("run" in step), step


def test_gitlab_pipeline_shape() -> None:
    pipeline = _load("gitlab-ci.yml")
    stages = pipeline["stages"]
    jobs = {k: v for k, v in pipeline.items() if isinstance(v, dict) and "script" in v}
    assert set(jobs) == {"tools", "check", "replay", "publish"}
    for name, job in jobs.items():
        assert job["stage"] in stages, name
