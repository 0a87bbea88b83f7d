"""Generated requests for every operation of the project's own OpenAPI schema never get a 5xx,
and every answer is what the schema says it is.

Schemathesis reads ``/api/schema/`` from the Django WSGI app in process and sends, per operation,
valid-looking requests aimed at real objects (path ids of a project, task, annotation, asset, job,
review item the manager can reach), invalid ones aimed at the same objects, and requests with
random ids. Two checks: ``not_a_server_error`` (a client can send anything; the answer is 4xx,
never 5xx) and ``response_schema_conformance`` (a documented answer's body validates against the
schema of its status code and content type, so the schema cannot drift from the response).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tandem.wsgi import application

# Resumable upload chunks are raw bytes; send generated bodies as they are.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 8}
RANDOM_ID_EXAMPLES = 3


def _target(path: str, targets: dict[str, int]) -> dict[str, int] | None:
    """The real id to put into ``{id}`` for a path like /api/<kind>/{id}/…, if the path has one."""
    parts = path.strip("/").split("/")
    if len(parts) >= 3 and parts[0] == "api" and parts[2] == "{id}" and parts[1] in targets:
        return {"id": targets[parts[1]]}
    return None


def _describe(exc: BaseException) -> str:
    """A failure in full: schemathesis groups the distinct failures of one operation."""
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(_describe(e) for e in exc.exceptions)
    return str(exc)


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(targets: dict[str, int], manager_token: str,
                                                  in_process_wsgi: None) -> None:
    headers = {"Authorization": f"Token {manager_token}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)
    failures: list[str] = []
    operations = 0
    calls = [0]
    unsatisfiable: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an invalid schema fails the test here
        operations += 1
        fixed = _target(operation.path, targets)
        plans: list[tuple[GenerationMode, dict[str, int] | None, int]] = [
            (mode, fixed, n) for mode, n in EXAMPLES.items() if fixed is not None
        ]
        plans.append((GenerationMode.POSITIVE, None, RANDOM_ID_EXAMPLES if fixed else EXAMPLES[GenerationMode.POSITIVE]))
        for mode, path_parameters, n in plans:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @hsettings(max_examples=n, deadline=None, database=None, derandomize=True,
                       phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case: Any) -> None:
                calls[0] += 1
                # Every request starts from the same objects: a savepoint is rolled back after each one,
                # which also clears a transaction a failed query left aborted.
                savepoint = transaction.savepoint()
                try:
                    response = case.call(headers=headers)
                finally:
                    transaction.savepoint_rollback(savepoint)
                case.validate_response(response, checks=[not_a_server_error, response_schema_conformance],
                                       headers=headers)

            try:
                run()
            except Unsatisfiable:
                # Nothing invalid can be made for an operation whose only input is a fixed path id.
                unsatisfiable.append(f"{operation.method.upper()} {operation.path} [{mode.value}]")
            except (Exception, BaseExceptionGroup) as exc:  # the shrunk failing example; go on with the others
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {_describe(exc)}")
    assert operations >= 40
    assert calls[0] >= operations * RANDOM_ID_EXAMPLES
    assert not failures, "\n\n".join(failures)
    print(f"{operations} operations, {calls[0]} requests; no invalid request possible for: {unsatisfiable}")


def _get_operations_with_query(schema: dict[str, Any]) -> list[tuple[str, list[str]]]:
    found = []
    for path, item in schema["paths"].items():
        get = item.get("get")
        names = [p["name"] for p in (get or {}).get("parameters", []) if p.get("in") == "query"]
        if names:
            found.append((path, names))
    return found


def test_a_nul_byte_in_any_query_parameter_gets_no_server_error(targets: dict[str, int], manager: Any,
                                                                client_for: Any) -> None:
    client = client_for(manager)
    client.raise_request_exception = False
    schema = client.get("/api/schema/?format=json").json()
    operations = _get_operations_with_query(schema)
    assert len(operations) >= 5
    server_errors = []
    for path, names in operations:
        url = path.replace("{id}", str((_target(path, targets) or {"id": 1})["id"]))
        for name in names:
            savepoint = transaction.savepoint()
            try:
                response = client.get(url, {name: "a\x00b"})
            finally:
                transaction.savepoint_rollback(savepoint)
            if response.status_code >= 500:
                server_errors.append(f"GET {url}?{name}=a%00b -> {response.status_code}")
    assert not server_errors, "\n".join(server_errors)
