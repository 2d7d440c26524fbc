"""The topics of schemas/asyncapi.yaml (schemas/topics.py) are those `ipasn-worker topics create`
makes (worker/config/topics.py), named and configured alike."""

from __future__ import annotations

from schemas import topics
from worker.config.settings import Settings
from worker.config.topics import worker_topics


def test_the_asyncapi_topics_are_those_topics_create_makes_with_the_same_settings() -> None:
    created = {t.name: t.configs for t in worker_topics(Settings.model_construct())}
    assert created == {name: dict(config) for name, config in topics.CONFIGS.items()}
