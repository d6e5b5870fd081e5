"""Property-based fuzzing of the JSON API from its own OpenAPI document (schemathesis).

Every operation of /api/v1/openapi.json becomes one test, run with the agency owner's API
token (or, for the few operations only a VA or a client contact may call, that member's)
against a complete agency from `build_agency()`, so path ids name objects that exist and
requests get past the 404 and 403 into the code that reads the body and query. Bodies
and query strings are generated from the schemas, both valid (positive) and invalid
(negative). The bar: no answer is a server error, and every answer matches the schema
the document declares for it.

Each operation is its own test inside the rolled-back transaction of tests/conftest.py, so
one operation's writes (a deleted client, an issued invoice) never starve the next one.
The examples are bounded and the seed fixed (`derandomize`), so a run is repeatable and
takes minutes.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from tests.objects import World, acting_role, bearer, build_agency, route_app, rule_for_path

# Examples per operation: enough to reach every field with both kinds of data at least a
# few times; the whole suite stays within a few minutes on two cores.
# BATON_FUZZ_EXAMPLES raises it for a longer run.
MAX_EXAMPLES = int(os.environ.get("BATON_FUZZ_EXAMPLES", "8"))

# The document comes from the app itself (an app built only to read it, as the route
# walkers do); requests go to the test app with the real database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", route_app())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
)
# The coverage phase walks each schema's boundaries (the largest id, the longest name, every
# enum value...) with valid data; invalid data comes from the fuzzing phase (and the hand-
# written cases of tests/api/test_bad_requests.py). Its negative half alone sends every
# wrong type to every field, ~70 % of all requests, most refused by the same schema code.
schema.config.phases.coverage.generation.update(modes=[GenerationMode.POSITIVE])


REQUESTS: Counter[str] = Counter()  # operation -> requests sent
PHASES: Counter[str] = Counter()  # schemathesis phase (coverage, fuzzing...) -> requests


@pytest.fixture(scope="module", autouse=True)
def _tally():
    """Print what the run did (`pytest -s` shows it): operations, requests, time."""
    started = time.perf_counter()
    yield
    print(
        f"\nschemathesis: {len(REQUESTS)} operations, {sum(REQUESTS.values())} requests "
        f"in {time.perf_counter() - started:.0f} s ({dict(PHASES)})"
    )


@pytest.fixture
def world() -> World:
    return build_agency("Fuzz")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation_never_fails_on_the_server_and_matches_its_schema(app, world, case):
    ids = {**world.ids(), "agency_slug": world.slug}
    # Path ids name objects that exist (out-of-range and foreign ids have their own tests
    # in tests/api/test_bad_requests.py); the rest of the request is generated.
    case.path_parameters = {
        name: ids.get(name, value) for name, value in (case.path_parameters or {}).items()
    }
    REQUESTS[case.operation.label] += 1
    PHASES[case.meta.phase.name.value if case.meta else "explicit"] += 1
    role = acting_role(app, rule_for_path(app, case.operation.path), case.method.upper())
    case.call_and_validate(
        app=app,
        headers=bearer(world.token(role)),
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
