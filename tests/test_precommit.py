"""The pre-commit hook, driven by the real ``pre-commit`` (marked ``precommit``; ~45 s).

pre-commit installs a hook only from a git repository with the hook files
committed, so the working tree is copied to a temporary repository and
committed there.  Each ``try-repo`` and the docs' configuration install the
tool into a fresh environment from the package index (``try-repo`` ignores
PRE_COMMIT_HOME and uses a new cache each time), which is what makes these
tests slow.  Everything happens in temporary directories with git's global and
system configuration switched off.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import REPO, seed_page

pytestmark = pytest.mark.precommit

BAD_REQUEST = REPO / "tests" / "golden" / "requests" / "bad-group.json"
LOCATED_AIRMASS = "requests/bad.json:12:42: S003 max_airmass is 0.5"
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "*_cache", ".hypothesis", "__pycache__", ".benchmarks", "dist", "build"
)


def environment(pre_commit_home: Path) -> dict[str, str]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        # a test run from inside a git hook must not steer these repositories
        if not key.startswith(("GIT_", "PRE_COMMIT"))
    }
    return {
        **inherited,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(pre_commit_home),
        "PRE_COMMIT_COLOR": "never",
    }


def run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = run(["git", *args], cwd, env)
    assert result.returncode == 0, result.stderr
    return result


def pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pre_commit", *args], cwd, env)


def new_repository(path: Path, env: dict[str, str]) -> None:
    git(path, env, "init", "--quiet", "--initial-branch=main")
    git(path, env, "config", "user.name", "lco-validate tests")
    git(path, env, "config", "user.email", "tests@example.invalid")
    git(path, env, "config", "commit.gpgsign", "false")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return environment(tmp_path_factory.mktemp("pre-commit-home"))


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Path:
    """This working tree, committed in a repository of its own."""
    path = tmp_path_factory.mktemp("hook") / "lco-validate"
    shutil.copytree(REPO, path, ignore=NOT_COPIED)
    new_repository(path, env)
    git(path, env, "add", "--all")
    git(path, env, "commit", "--quiet", "--message", "the hook under test")
    return path


@pytest.fixture
def user_repository(tmp_path: Path, env: dict[str, str]) -> Path:
    """A repository with a request file that fails and one that passes."""
    requests = tmp_path / "requests"
    requests.mkdir()
    shutil.copy(BAD_REQUEST, requests / "bad.json")
    (requests / "good.json").write_text(json.dumps(seed_page(), indent=2))
    new_repository(tmp_path, env)
    return tmp_path


def test_try_repo_fails_a_bad_request_file_with_a_located_message(
    hook_repository: Path, user_repository: Path, env: dict[str, str]
) -> None:
    result = pre_commit(
        user_repository, env, "try-repo", str(hook_repository), "lco-validate",
        "--files", "requests/bad.json",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Validate LCO observation requests" in result.stdout
    assert "Failed" in result.stdout
    assert LOCATED_AIRMASS in result.stdout


def test_try_repo_passes_a_good_request_file(
    hook_repository: Path, user_repository: Path, env: dict[str, str]
) -> None:
    result = pre_commit(
        user_repository, env, "try-repo", str(hook_repository), "lco-validate",
        "--files", "requests/good.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def fixable_page() -> tuple[str, str]:
    """The seed page with one exposure time written as text (S008), and that text."""
    page = seed_page()
    instrument_config = page["results"][0]["configurations"][0]["instrument_configs"][0]
    written = instrument_config["exposure_time"]
    instrument_config["exposure_time"] = str(written)
    return json.dumps(page, indent=2) + "\n", json.dumps(str(written))


def test_the_fixing_hook_rewrites_a_file_fails_once_then_passes(
    hook_repository: Path, user_repository: Path, env: dict[str, str]
) -> None:
    fixable = user_repository / "requests" / "fixable.json"
    text, quoted = fixable_page()
    fixable.write_text(text)
    git(user_repository, env, "add", "requests/fixable.json")  # so pre-commit sees the change
    arguments = ["try-repo", str(hook_repository), "lco-validate-fix"]
    first = pre_commit(user_repository, env, *arguments, "--files", "requests/fixable.json")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "Fix LCO observation requests" in first.stdout
    assert "Failed" in first.stdout
    assert "files were modified by this hook" in first.stdout
    fixed = fixable.read_text()
    assert f'"exposure_time": {quoted}' in text
    assert f'"exposure_time": {json.loads(quoted)}' in fixed
    # Only the one token changed.
    assert fixed == text.replace(
        f'"exposure_time": {quoted}', f'"exposure_time": {json.loads(quoted)}', 1
    )
    second = pre_commit(user_repository, env, *arguments, "--files", "requests/fixable.json")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    assert fixable.read_text() == fixed


def docs_pre_commit_config() -> dict[str, object]:
    text = (REPO / "README.md").read_text()
    blocks = [part.split("\n```", 1)[0] for part in text.split("```yaml\n")[1:]]
    (config,) = [yaml.safe_load(block) for block in blocks if block.startswith("repos:")]
    assert isinstance(config, dict)
    return config


def test_docs_configuration_blocks_a_bad_commit_and_lets_a_good_one_through(
    hook_repository: Path, user_repository: Path, env: dict[str, str]
) -> None:
    config = docs_pre_commit_config()
    (entry,) = config["repos"]  # type: ignore[misc]
    # Only the repository's address and release are the user's to fill in.
    entry["repo"] = str(hook_repository)
    entry["rev"] = git(hook_repository, env, "rev-parse", "HEAD").stdout.strip()
    (user_repository / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    # Not a request document: the example's `files:` keeps it away from the hook.
    (user_repository / "package.json").write_text('{"name": "site", "version": "1.0.0"}\n')
    installed = pre_commit(user_repository, env, "install")
    assert installed.returncode == 0, installed.stderr

    git(user_repository, env, "add", ".pre-commit-config.yaml", "package.json", "requests/bad.json")
    refused = run(["git", "commit", "--message", "bad"], user_repository, env)
    assert refused.returncode != 0
    assert LOCATED_AIRMASS in refused.stdout + refused.stderr

    git(user_repository, env, "rm", "--cached", "--quiet", "requests/bad.json")
    git(user_repository, env, "add", "requests/good.json")
    accepted = run(["git", "commit", "--message", "good"], user_repository, env)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    committed = git(user_repository, env, "ls-files").stdout.split()
    assert {"package.json", "requests/good.json"} <= set(committed)
    assert "requests/bad.json" not in committed
