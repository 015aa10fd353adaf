"""Every bad experiment body is a 422 naming the field; no input reaches a 500."""

from __future__ import annotations

import json

import pytest

from tests.utils.specs import smoke_body

BODY = smoke_body("v", seeds=2)


def rejected(client, body, loc):
    response = client.post("/experiments", json=body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(tuple(e["loc"][: len(loc)]) == loc for e in detail), detail
    assert all(e["msg"] and e["type"] for e in detail)
    return detail


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"extra": 1}, ("body", "extra")),
        ({"dataset": "cifar"}, ("body", "dataset")),
        ({"model_types": ["mlp"]}, ("body", "model_types", 0)),
        ({"model_types": []}, ("body", "model_types")),
        ({"model_types": ["fc", "fc"]}, ("body", "model_types")),
        ({"betas": [-1.0]}, ("body", "betas")),
        ({"betas": [1001]}, ("body", "betas")),
        ({"betas": []}, ("body", "betas")),
        ({"betas": [1.0, 1.0]}, ("body", "betas")),
        ({"betas": {"start": 2, "stop": 1, "step": 0.5}}, ("body", "betas")),
        ({"betas": {"start": 0, "stop": 1, "step": 0}}, ("body", "betas")),
        ({"betas": {"start": 0, "stop": 1000, "step": 1e-6}}, ("body", "betas")),
        ({"betas": {"start": 0, "stop": 1}}, ("body", "betas")),
        ({"seeds": 0}, ("body", "seeds")),
        ({"seeds": 101}, ("body", "seeds")),
        ({"seeds": [1, 1]}, ("body", "seeds")),
        ({"seeds": [10_001]}, ("body", "seeds")),
        ({"seeds": list(range(101))}, ("body", "seeds")),
        ({"seeds": "3"}, ("body", "seeds")),
        ({"label_fractions": [0.5]}, ("body", "label_fractions")),
        ({"dataset": "mnist", "label_fractions": [0.0]}, ("body", "label_fractions")),
        ({"dataset": "mnist", "label_fractions": [1.5]}, ("body", "label_fractions")),
        ({"metrics": ["nope"]}, ("body", "metrics")),
        ({"metrics": ["svm_accuracy"]}, ("body", "metrics")),
        ({"training": {"preset": "huge"}}, ("body", "training", "preset")),
        ({"training": {"epochs": 3}}, ("body", "training", "epochs")),
        ({"training": {"max_epochs": 0}}, ("body", "training", "max_epochs")),
        ({"training": {"learning_rate": -1}}, ("body", "training", "learning_rate")),
        ({"training": {"device": "tpu"}}, ("body", "training", "device")),
        ({"training": {"evaluation": "thorough"}}, ("body", "training", "evaluation")),
        ({"training": {"device": "cuda:0; rm -rf /"}}, ("body", "training", "device")),
        ({"training": {"device": "cuda:"}}, ("body", "training", "device")),
        ({"training": {"batch_size": 10**30}}, ("body", "training", "batch_size")),
        ({"training": {"bf16": "yes"}}, ("body", "training", "bf16")),
        ({"name": ""}, ("body", "name")),
        ({"name": "x" * 201}, ("body", "name")),
    ],
)
def test_bad_field_is_rejected_with_its_location(module_client, changes, loc):
    rejected(module_client, {**BODY, **changes}, loc)


@pytest.mark.parametrize(
    ("changes", "loc", "reason"),
    [
        (
            {"betas": {"start": 0, "stop": -1, "step": 0.2}},
            ["body", "betas", "stop"],
            "greater than or equal to 0",
        ),
        (
            {"betas": {"start": 4, "stop": 1, "step": 1}},
            ["body", "betas", "stop"],
            "stop must be >= start",
        ),
        ({"betas": [0.5, -1]}, ["body", "betas", 1], "greater than or equal to 0"),
        ({"betas": "0:1"}, ["body", "betas"], "a list of numbers or a range"),
        ({"seeds": 0}, ["body", "seeds"], "greater than or equal to 1"),
        ({"seeds": [0, -3]}, ["body", "seeds", 1], "greater than or equal to 0"),
        ({"seeds": "3"}, ["body", "seeds"], "a count n (seeds 0..n-1) or a list"),
    ],
)
def test_two_shape_fields_are_judged_by_the_shape_sent(module_client, changes, loc, reason):
    """betas (list or range) and seeds (count or list): one error, about the shape the client
    sent, at a location without pydantic's union tags; never "should be a valid list" for a
    range."""
    detail = rejected(module_client, {**BODY, **changes}, tuple(loc))
    assert len(detail) == 1, detail
    assert detail[0]["loc"] == loc
    assert reason in detail[0]["msg"]


def test_missing_required_fields_are_named(module_client):
    """The dataset picks the body's shape, so without it that is the one error; with it, every
    missing field of that shape is named."""
    detail = rejected(module_client, {}, ("body", "dataset"))
    assert [e["loc"] for e in detail] == [["body", "dataset"]]
    assert "'shapes' or 'mnist'" in detail[0]["msg"]
    detail = rejected(module_client, {"dataset": "mnist"}, ("body",))
    named = {tuple(e["loc"]) for e in detail}
    assert {("body", "name"), ("body", "model_types"), ("body", "betas")} <= named


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"metrics": ["svm_accuracy"]}, "do not apply to 'shapes'"),
        ({"metrics": ["mig", "mig"]}, "duplicate metric"),
        ({"dataset": "mnist", "metrics": ["mig"]}, "do not apply to 'mnist'"),
        ({"dataset": "cifar"}, "'shapes' or 'mnist'"),
    ],
)
def test_metrics_and_datasets_say_what_applies(module_client, changes, reason):
    detail = rejected(module_client, {**BODY, **changes}, ("body",))
    assert len(detail) == 1 and reason in detail[0]["msg"], detail
    assert detail[0]["loc"][:2] in (["body", "metrics"], ["body", "dataset"])


def test_too_many_runs_names_the_grid_and_the_count(module_client):
    body = {
        **BODY,
        "model_types": ["fc", "conv"],
        "betas": {"start": 0, "stop": 100, "step": 0.1},
        "seeds": 5,
    }
    detail = rejected(module_client, body, ("body",))
    assert "10010 runs" in detail[0]["msg"] and "betas 1001" in detail[0]["msg"]
    assert "at most 5000" in detail[0]["msg"]


def test_label_fractions_are_rejected_for_shapes_with_the_reason(module_client):
    detail = rejected(
        module_client, {**BODY, "label_fractions": [0.5]}, ("body", "label_fractions")
    )
    assert "mnist" in detail[0]["msg"]


RAW_BODIES = [
    b"",
    b"not json",
    b"{",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b"\xff\xfe\x00garbage",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"name": "a", "dataset": "shapes", "model_types": ["fc"], "betas": [NaN], "seeds": 1}',
    b'{"name": "a", "dataset": "shapes", "model_types": ["fc"], "betas": [Infinity], "seeds": 1}',
    b'{"name": "a", "dataset": "shapes", "model_types": ["fc"], "betas": [1e400], "seeds": 1}',
    b'{"name": "a", "dataset": "shapes", "model_types": ["fc"], "betas": [1], "seeds": '
    + b"9" * 5000
    + b"}",
]

GARBAGE = [
    {**BODY, "name": {"a": [1, {"b": None}]}},
    {**BODY, "name": None},
    {**BODY, "name": 12},
    {**BODY, "dataset": ["shapes"]},
    {**BODY, "model_types": "fc"},
    {**BODY, "model_types": [None]},
    {**BODY, "model_types": [["fc"]]},
    {**BODY, "betas": "0:1"},
    {**BODY, "betas": [True]},
    {**BODY, "betas": ["1"]},
    {**BODY, "betas": {"start": "a", "stop": [], "step": {}}},
    {**BODY, "betas": {"start": 0, "stop": 1, "step": 0.1, "x": 1}},
    {**BODY, "betas": 10**400},
    {**BODY, "seeds": 10**400},
    {**BODY, "seeds": -(10**30)},
    {**BODY, "seeds": 2.5},
    {**BODY, "seeds": [0.5]},
    {**BODY, "seeds": {"n": 3}},
    {**BODY, "metrics": "mig"},
    {**BODY, "metrics": [{"name": "mig"}]},
    {**BODY, "training": "paper"},
    {**BODY, "training": None},
    {**BODY, "training": {"preset": None}},
    {**BODY, "training": {"max_epochs": 1e300}},
    {**BODY, "training": {"max_epochs": 3.5}},
    {**BODY, "training": {"device": "cuda" * 100}},
    {**BODY, "training": {"learning_rate": {"nested": [[]]}}},
    {**BODY, "dataset": "mnist", "label_fractions": [1e-400]},
    [BODY],
    {"": None},
]


@pytest.mark.parametrize("raw", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_malformed_raw_body_is_422(module_client, raw):
    response = module_client.post(
        "/experiments", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize("body", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_body_is_422(module_client, body):
    response = module_client.post(
        "/experiments",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert all(set(e) == {"loc", "msg", "type"} for e in response.json()["detail"])


def test_integral_floats_count_as_integers(client):
    """JSON Schema's integer admits 3.0; the stored spec holds the integer."""
    body = {**BODY, "seeds": 2.0, "training": {"preset": "smoke", "max_epochs": 3.0}}
    response = client.post("/experiments", json=body)
    assert response.status_code == 201, response.text
    spec = client.get(response.json()["links"]["self"]).json()["spec"]
    assert spec["seeds"] == [0, 1]
    assert spec["training"]["max_epochs"] == 3
    assert isinstance(spec["training"]["max_epochs"], int)


def test_the_evaluation_is_stored_explicitly(client):
    """A spec says how its runs are scored: the preset's evaluation, or the override."""
    stored = {}
    for name, training in [
        ("smoke", {"preset": "smoke"}),
        ("calibrated", {"preset": "calibrated"}),
        ("override", {"preset": "calibrated", "evaluation": "full"}),
    ]:
        response = client.post("/experiments", json={**BODY, "name": name, "training": training})
        assert response.status_code == 201, response.text
        spec = client.get(response.json()["links"]["self"]).json()["spec"]
        stored[name] = spec["training"]["evaluation"]
    assert stored == {"smoke": "fast", "calibrated": "calibrated", "override": "full"}


@pytest.mark.parametrize(
    ("training", "loc", "says"),
    [
        ({"objective": "info_vae"}, ("body", "training", "objective"), "beta_tcvae"),
        ({"objective": "factor_vae"}, ("body", "training", "objective"), "'annealed_vae'"),
        (
            {"objective": "beta_tcvae", "lambda_d_factor": 2.0},
            ("body", "training", "lambda_d_factor"),
            "lambda_d_factor is not a parameter of beta_tcvae",
        ),
        ({"lambda_d_factor": 2.0}, ("body", "training", "lambda_d_factor"), "of beta_vae"),
        (
            {"objective": "dip_vae_i", "lambda_d_factor": -1.0},
            ("body", "training", "lambda_d_factor"),
            "greater than 0",
        ),
        (
            {"objective": "annealed_vae", "iteration_threshold": 0},
            ("body", "training", "iteration_threshold"),
            "greater than or equal to 1",
        ),
    ],
)
def test_a_bad_objective_or_parameter_is_422_naming_it(client, training, loc, says):
    body = {**BODY, "training": {"preset": "smoke", **training}}
    detail = rejected(client, body, loc)
    assert any(says in e["msg"] for e in detail), detail


def test_an_objective_and_its_parameters_are_stored_with_the_training(client):
    training = {"preset": "smoke", "objective": "annealed_vae", "c_max": 10.0}
    response = client.post("/experiments", json={**BODY, "training": training})
    assert response.status_code == 201, response.text
    stored = client.get(response.json()["links"]["self"]).json()["spec"]["training"]
    assert (stored["objective"], stored["c_max"], stored["iteration_threshold"]) == (
        "annealed_vae",
        10.0,
        None,  # the objective's default, 100,000 steps
    )
    plain = client.post("/experiments", json={**BODY, "name": "plain"}).json()
    assert client.get(plain["links"]["self"]).json()["spec"]["training"]["objective"] == "beta_vae"


def test_non_json_content_type_is_422(module_client):
    response = module_client.post(
        "/experiments", content=b"name=x", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "abc"},
        {"limit": 10**30},
        {"skip": -1},
        {"status": "nan"},
    ],
)
def test_bad_query_parameters_are_422(module_client, params):
    assert module_client.get("/experiments", params=params).status_code == 422


def test_the_fuzzers_rule_for_objective_parameters_is_the_configs():
    """tests/api/fuzz_hooks.py restates which objective owns which parameter; it must agree."""
    from tests.api.fuzz_hooks import PARAMETER_OWNERS
    from vae_core.config import OBJECTIVE_PARAMETERS, PARAMETER_NAMES

    owners = {n: {o for o, p in OBJECTIVE_PARAMETERS.items() if n in p} for n in PARAMETER_NAMES}
    assert PARAMETER_OWNERS == owners
