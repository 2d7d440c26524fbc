"""schemas/asyncapi.yaml through the AsyncAPI project's own parser (deploy/asyncapi/validate.cjs):
the committed document is valid, and broken copies are refused, so the check can fail.

Needs Node.js and the parser (`npm ci --prefix deploy/asyncapi --omit=dev --ignore-scripts`,
as .ci/run does); without them these tests skip, and fail where services are required (CI)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas.generate import ASYNCAPI
from tests.conftest import missing

TOOL = Path(__file__).resolve().parents[2] / "deploy" / "asyncapi"
INSTALL = "npm ci --prefix deploy/asyncapi --omit=dev --ignore-scripts"


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        missing("node is not installed (Node.js 20 or later)")
    if not (TOOL / "node_modules" / "@asyncapi" / "parser").is_dir():
        missing(f"the AsyncAPI parser is not installed in deploy/asyncapi ({INSTALL})")
    assert path is not None  # missing() failed or skipped
    return path


def _validate(node: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, str(TOOL / "validate.cjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _broken(tmp_path: Path, document: dict[str, Any]) -> Path:
    path = tmp_path / "asyncapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_the_committed_document_is_valid_asyncapi(node: str) -> None:
    done = _validate(node, ASYNCAPI)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{ASYNCAPI}: valid" in done.stdout


def test_an_operation_with_a_message_of_another_channel_is_refused(
    node: str, tmp_path: Path
) -> None:
    document = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))
    dead_letter = {"$ref": "#/channels/deadLetters/messages/deadLetter"}
    document["operations"]["receiveChanges"]["messages"].append(dead_letter)
    done = _validate(node, _broken(tmp_path, document))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "asyncapi3-operation-messages-from-referred-channel" in done.stdout


def test_a_json_schema_discriminator_object_is_refused_in_a_payload(
    node: str, tmp_path: Path
) -> None:
    # Why schemas/asyncapi.py turns pydantic's discriminator object into a property name.
    document = yaml.safe_load(ASYNCAPI.read_text(encoding="utf-8"))
    document["components"]["schemas"]["ChangeEvent"]["discriminator"] = {"propertyName": "type"}
    done = _validate(node, _broken(tmp_path, document))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "discriminator" in done.stdout


def test_a_missing_file_is_an_error_not_a_pass(node: str, tmp_path: Path) -> None:
    done = _validate(node, tmp_path / "absent.yaml")
    assert done.returncode == 2, done.stdout + done.stderr
