"""Every example schema, built into a temporary folder, driven through every
generated method on both backends."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from dyngen_runtime import ValidationError
from hypothesis import HealthCheck, given, settings

from tests.conftest import ROOT, Backend, run_cli
from tests.test_roundtrip_property import model_strategy

SCHEMAS = sorted(p.stem for p in (ROOT / "schemas").glob("*.yaml"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ModuleType]]:
    out = tmp_path_factory.mktemp("e2e")
    code, _, err = run_cli("build", str(ROOT / "schemas"), "--out", str(out))
    assert code == 0, err
    sys.path.insert(0, str(out))
    try:
        yield {name: importlib.import_module(name) for name in SCHEMAS}
    finally:
        sys.path.remove(str(out))
        for name in SCHEMAS:
            for loaded in [
                m for m in sys.modules if m == name or m.startswith(name + ".")
            ]:
                del sys.modules[loaded]


def entities(module: ModuleType) -> list[type[Any]]:
    return [
        getattr(module, name)
        for name in module.__all__
        if hasattr(getattr(module, name), "_entity")
    ]


def key_of(model: Any) -> dict[str, Any]:
    names = list(inspect.signature(model.key).parameters)
    return {name: getattr(model, name) for name in names}


def patterns(repository: Any) -> list[str]:
    own = type(repository).__dict__
    return [
        name
        for name in own
        if (not name.startswith("_") and f"iter_{name}" in own)
        or (
            name not in BASE
            and not name.startswith(("_", "iter_"))
            and callable(own[name])
        )
    ]


BASE = {"get", "update", "delete", "batch_get"}


@pytest.mark.parametrize("schema", SCHEMAS)
def test_every_generated_method(
    backend: Backend, built: dict[str, ModuleType], schema: str
) -> None:
    module = built[schema]
    client_class = getattr(module, "".join(p.title() for p in schema.split("_")))
    db = backend.client(client_class)
    client_module = sys.modules[f"{schema}.client"]
    for model in entities(module):
        repository = next(
            v for v in vars(db).values() if getattr(v, "_model", None) is model
        )
        driver(db, backend, client_module, repository, model, client_class.schema.ttl)()
    collections = getattr(db, "collections", None)
    for name, method in inspect.getmembers(collections, inspect.ismethod):
        if name.startswith("_"):
            continue
        arguments = [
            p
            for p in inspect.signature(method).parameters.values()
            if p.default is p.empty
        ]
        result = method(*["x" for _ in arguments])
        assert result.cursor is None


def driver(
    db: Any,
    backend: Backend,
    client_module: ModuleType,
    repository: Any,
    model: Any,
    ttl: str | None,
) -> Any:
    """A hypothesis test driving one entity with a few generated instances."""

    @settings(
        max_examples=3,
        deadline=None,
        derandomize=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )
    @given(instance=model_strategy(model, ttl))
    def drive(instance: Any) -> None:
        drive_entity(db, backend, client_module, repository, model, instance)

    return drive


def drive_entity(
    db: Any,
    backend: Backend,
    client_module: ModuleType,
    repository: Any,
    model: Any,
    instance: Any,
) -> None:
    key = key_of(instance)
    stored = repository.create(instance)
    try:
        assert repository.get(**key, include_expired=True) == repository.get(
            **key, include_expired=True, consistent=True
        )
        first_field = next(iter(model.model_fields))
        partial = repository.get(**key, include_expired=True, projection=[first_field])
        assert partial is not None
        if model._entity.version_field:
            updated = repository.update(**key).execute()  # bumps the version only
            assert updated.version == stored.version + 1
        else:
            with pytest.raises(ValidationError, match="needs at least one change"):
                repository.update(**key).execute()
            updated = stored
        for name in patterns(repository):
            exercise_pattern(
                client_module,
                repository,
                model,
                name,
                updated,
                moto=backend.is_moto,
            )
        assert any(
            key_of(found) == key for found in repository.scan(include_expired=True)
        )
        got = repository.batch_get([key], include_expired=True)
        assert got.items == [updated]
        result = db.batch_write(puts=[updated])
        assert result.failed == []
        if backend.is_moto:
            name = attr(db, repository)
            db.transaction("e2e", lambda tx: [getattr(tx, name).delete(**key)])
            db.transaction("e2e-2", lambda tx: [getattr(tx, name).create(updated)])
            (read,) = db.transact_get(
                lambda tx: [getattr(tx, attr(db, repository)).get(**key)]
            )
            assert read is not None
    finally:
        assert repository.delete(**key) is not None
    assert repository.get(**key, include_expired=True) is None


def attr(db: Any, repository: Any) -> str:
    name: str = next(n for n, value in vars(db).items() if value is repository)
    return name


def exercise_pattern(
    client_module: ModuleType,
    repository: Any,
    model: Any,
    name: str,
    item: Any,
    *,
    moto: bool,
) -> None:
    method = getattr(repository, name)
    positional = [
        p.name
        for p in inspect.signature(method).parameters.values()
        if p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    if any(getattr(item, field) is None for field in positional):
        return  # the item is not in this sparse index
    arguments = [getattr(item, field) for field in positional]
    plan = getattr(client_module, f"_{model.__name__.upper()}_{name.upper()}", None)
    if plan is None:  # the plan constant uses snake_case of the entity
        plan = next(
            v
            for k, v in vars(client_module).items()
            if k.endswith(f"_{name.upper()}")
            and getattr(v, "entity", None) == model.__name__
        )
    if moto and plan.fetch == "select_all":
        return  # moto ignores Select=ALL_ATTRIBUTES on local indexes (see test_queries)
    raw = item.to_item()
    written = plan.pk_attribute in raw and (
        plan.sk_attribute is None or plan.sk_attribute in raw
    )
    filtered_out = plan.fixed_filter is not None
    if "iter_" + name in dir(repository):
        found = list(
            getattr(repository, f"iter_{name}")(*arguments, include_expired=True)
        )
        page = method(*arguments, include_expired=True, limit=5)
        assert len(page.items) <= 5
        if written and not filtered_out:
            assert any(key_of(f) == key_of(item) for f in found), name
    else:
        one = method(*arguments, include_expired=True)
        if written:
            assert one is not None, name
            assert key_of(one) == key_of(item), name
