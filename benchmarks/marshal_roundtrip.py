"""Part 1: marshalling round trip of one 15-attribute entity, no I/O.

One operation: the contender's object -> DynamoDB wire item -> object again.

    python benchmarks/marshal_roundtrip.py [--quick] [--repeats N]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import entity
from benchmarks.harness import (
    Contender,
    Options,
    PartResult,
    Unavailable,
    add_target,
    interleave,
    standalone,
    summarise,
)

PART = "marshal"
HAND = "hand-written dataclass"
TRUSTED = "dyngen from_item(validate=False)"
VALIDATED = "dyngen from_item (validated)"
PYDANTIC = "pydantic + boto3 TypeSerializer"


def _loop(step: Callable[[], object], number: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(number):
            step()

    return run


def contenders(number: int) -> list[Contender]:
    """Every marshaller, each doing ``number`` round trips per call."""
    found: list[Contender] = []

    def add(
        name: str, make: Callable[[], Callable[[], object]], note: str = ""
    ) -> None:
        try:
            step = make()
            step()  # fails here, not in the middle of the timing
            found.append(Contender(name, _loop(step, number), number, note=note))
        except Unavailable as error:
            found.append(Contender(name, unavailable=str(error), note=note))
        except Exception as error:
            found.append(
                Contender(
                    name, unavailable=f"{type(error).__name__}: {error}", note=note
                )
            )

    def hand() -> Callable[[], object]:
        order = entity.hand_order()
        to_item, from_item = entity.hand_to_item, entity.hand_from_item
        return lambda: from_item(to_item(order))

    def dyngen(validate: bool) -> Callable[[], Callable[[], object]]:
        def make() -> Callable[[], object]:
            order = entity.dyngen_order()
            from_item = type(order).from_item
            if validate:
                return lambda: from_item(order.to_item())
            return lambda: from_item(order.to_item(), validate=False)

        return make

    def pydantic_boto() -> Callable[[], object]:
        glue = entity.PydanticBoto()
        order = entity.plain_order()
        return lambda: glue.from_item(glue.to_item(order))

    def boto_dict() -> Callable[[], object]:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        serialize = TypeSerializer().serialize
        deserialize = TypeDeserializer().deserialize
        data = entity.plain_item()

        def step() -> object:
            item = {k: serialize(v) for k, v in data.items()}
            return {k: deserialize(v) for k, v in item.items()}

        return step

    def pynamodb() -> Callable[[], object]:
        model = entity.pynamodb_model()
        order = entity.pynamodb_order(model)
        from_raw_data = model.from_raw_data
        return lambda: from_raw_data(order.serialize())

    def pydynox() -> Callable[[], object]:
        entity.pydynox_available()
        from pydynox import pydynox_core

        model = entity.pydynox_model(entity.TABLE)
        order = entity.pydynox_order(model)
        schema = entity.pydynox_number_schema(model)
        to_wire, from_wire = pydynox_core.item_to_dynamo, pydynox_core.item_from_dynamo
        from_dict = model.from_dict

        def step() -> object:
            wire: dict[str, Any] = to_wire(order.to_dict())
            return from_dict(from_wire(wire, _number_schema=schema))

        return step

    add(HAND, hand, "the speed limit: straight-line code, no validation")
    add(TRUSTED, dyngen(False), "to_item() + from_item(item, validate=False)")
    add(VALIDATED, dyngen(True), "to_item() + from_item(item): pydantic validates")
    add(
        PYDANTIC,
        pydantic_boto,
        "model_dump -> serialize per field; deserialize -> model_validate",
    )
    add(
        "boto3 TypeSerializer (plain dict)",
        boto_dict,
        "dict of Python values, no model",
    )
    add("PynamoDB", pynamodb, "Model.serialize() + Model.from_raw_data()")
    add(
        "pydynox",
        pydynox,
        "Model.to_dict() + item_to_dynamo(); item_from_dynamo() + Model.from_dict() "
        "(no wire-item API on models: the Rust core's converters it uses itself)",
    )
    return found


def run(options: Options) -> PartResult:
    """Measure every marshaller, interleaved, and check the targets."""
    entity.bench_package()
    number = 300 if options.quick else 1000
    repeats = options.pick(full=9, quick=5)
    found = contenders(number)
    samples = interleave(found, repeats, gc_off=True, progress=PART)
    result = summarise(
        PART,
        "Marshalling round trip (15 attributes)",
        "One operation: object -> DynamoDB wire item -> object, in process.",
        found,
        samples,
        unit="us",
        scale=1e6,
        metric="cpu",
        kind="time",
        baseline=HAND,
        reference=VALIDATED,
        quick=options.quick,
        repeats=repeats,
    )
    add_target(
        result,
        samples,
        "dyngen trusted path within 3x of the hand-written marshaller",
        TRUSTED,
        HAND,
        3.0,
        at_most=True,
    )
    add_target(
        result,
        samples,
        "dyngen validated at least 2x faster than pydantic + TypeSerializer",
        PYDANTIC,
        VALIDATED,
        2.0,
    )
    result.notes.append(
        f"{number} round trips per timed call, garbage collector off while timing; "
        "ratios are CPU time."
    )
    result.notes.append(
        "the wire forms differ a little: PynamoDB writes datetimes as +0000 text; "
        "pydynox 1.8 writes the string set as a list (L, also what its put stores) "
        "and item_to_dynamo writes the decimal as 12995E-2."
    )
    return result


if __name__ == "__main__":
    standalone(run, __doc__)
