"""The Dockerfile and compose.yaml: parsed, and the image's install steps run in a clean venv.

There is no Docker engine on the test machines, so the image is not built: the Dockerfile's RUN
commands are run here as written, with its ENV, in a temporary directory standing in for /app and
/opt/venv (only two settings differ, for speed: uv hardlinks instead of copying and skips the
bytecode compilation; both change how files land, not which).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _env(args: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in shlex.split(args))


def test_the_dockerfile_parses_into_known_instructions_with_a_non_root_user() -> None:
    steps = _instructions()
    known = {"FROM", "ENV", "RUN", "WORKDIR", "COPY", "USER", "VOLUME", "EXPOSE", "CMD"}
    assert {word for word, _ in steps} <= known
    assert steps[0][0] == "FROM" and "python:3.11" in steps[0][1]
    assert ("USER", "ojo") in steps
    copied = [args.split()[:-1] for word, args in steps if word == "COPY"]
    for sources in copied:
        for source in sources:
            assert (ROOT / source).exists(), source
    # The uv pinned in the image is the one the Makefile installs.
    makefile = (ROOT / "Makefile").read_text()
    version = next(
        line.split(":=")[1].strip() for line in makefile.splitlines() if "UV_VERSION :=" in line
    )
    assert any(f"uv=={version}" in args for word, args in steps if word == "RUN")


def test_compose_runs_replicas_workers_postgres_and_redis_with_health_checks() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"bot", "worker", "postgres", "redis", "migrate"} <= set(services)
    assert services["bot"]["command"] == ["ojo", "run", "--webhook"]
    assert services["worker"]["command"] == ["ojo", "worker"]
    for name in ("bot", "worker", "postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["bot"]["healthcheck"]["test"])
    documented = set((ROOT / ".env.example").read_text().split())
    for name in ("bot", "worker"):
        env = services[name]["environment"]
        for key in env:
            assert any(line.startswith(f"{key}=") for line in documented), key


@pytest.mark.slow
def test_the_dockerfiles_install_steps_run_in_a_clean_venv(tmp_path: Path) -> None:
    app, venv = tmp_path / "app", tmp_path / "venv"
    app.mkdir()
    env = {"PATH": f"{venv / 'bin'}:{tmp_path / 'tools' / 'bin'}:{os.environ['PATH']}"}
    env |= {"HOME": os.environ.get("HOME", str(tmp_path))}
    if "UV_CACHE_DIR" in os.environ:
        env["UV_CACHE_DIR"] = os.environ["UV_CACHE_DIR"]
    # the image's pip is the base image's python; here a fresh venv's pip
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "tools")], check=True)
    for word, args in _instructions():
        if word == "ENV":
            env |= _env(args)
            env["UV_PROJECT_ENVIRONMENT"] = str(venv)  # /opt/venv
            env["PATH"] = f"{venv / 'bin'}:{tmp_path / 'tools' / 'bin'}:{os.environ['PATH']}"
            env |= {"UV_LINK_MODE": "hardlink", "UV_COMPILE_BYTECODE": "0", "UV_OFFLINE": "1"}
        elif word == "COPY":
            *sources, _ = args.split()
            for source in sources:
                src = ROOT / source
                if src.is_dir():
                    shutil.copytree(
                        src, app / source, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy2(src, app / source)
        elif word == "RUN":
            if args.startswith("useradd"):
                continue  # needs root and changes the machine: the image's business only
            # `pip` of the image: the tools venv's, which installs what the image's would
            command = args.replace(
                "pip install", f"{tmp_path / 'tools' / 'bin' / 'pip'} install", 1
            )
            # the Dockerfile's own RUN line, run by /bin/sh as docker does
            done = subprocess.run(  # noqa: S602
                command,
                shell=True,
                cwd=app,
                env=env,
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    done = subprocess.run(
        [str(venv / "bin" / "ojo"), "--help"], cwd=app, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "worker" in done.stdout
