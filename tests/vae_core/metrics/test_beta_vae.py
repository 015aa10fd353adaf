import numpy as np
import pytest

from tests.utils.toy_ground_truth import ToyGroundTruth, factor_codes
from vae_core.metrics.beta_vae import change_one_features, compute_change_one, compute_fix_one

pytestmark = pytest.mark.numerics

SMALL = {"num_train": 1200, "num_val": 400, "num_test": 400, "max_steps": 400}


def constant_codes(images: np.ndarray) -> np.ndarray:
    return np.zeros((images.shape[0], 5))


def noise_codes(seed: int):
    rng = np.random.default_rng(seed)
    return lambda images: rng.normal(size=(images.shape[0], 5))


def test_change_one_features_mark_the_changed_factor_only(toy):
    x, y = change_one_features(toy, factor_codes, 500, np.random.default_rng(0))
    # with the factors as codes, d is one-hot at the changed factor (labels index factors 1..4)
    expected = np.zeros((500, 5), dtype=np.float32)
    expected[np.arange(500), y + 1] = 1.0
    assert np.array_equal(x, expected)
    assert set(np.unique(y)) == {0, 1, 2, 3}


def test_change_one_redraws_pairs_whose_images_are_identical():
    # values 0..2 of factor 4 render alike, so many pairs that change it look identical at first
    toy = ToyGroundTruth(collapse={4: 3})
    x, y = change_one_features(toy, factor_codes, 800, np.random.default_rng(1))
    assert (x.max(axis=1) == 1.0).all()  # no pair without a visible change survived
    assert (y == 3).sum() > 150  # and the rotation-like class kept its share


def test_change_one_raises_when_a_factor_never_changes_the_image():
    toy = ToyGroundTruth(collapse={4: 6})
    with pytest.raises(ValueError, match="identical"):
        change_one_features(toy, factor_codes, 200, np.random.default_rng(2), max_redraws=5)


def test_change_one_ground_truth_codes_score_perfectly(toy):
    scores = compute_change_one(toy, factor_codes, seed=0, **SMALL)
    assert scores["beta_vae_change_one"] == 1.0
    assert scores["train_accuracy"] == 1.0


@pytest.mark.parametrize("represent", [constant_codes, noise_codes(3)], ids=["constant", "noise"])
def test_change_one_uninformative_codes_score_chance(toy, represent):
    scores = compute_change_one(toy, represent, seed=1, **SMALL)
    assert 0.17 < scores["beta_vae_change_one"] < 0.33  # chance: 1/4


def test_change_one_is_invariant_to_permuting_latents(toy):
    rng = np.random.default_rng(4)
    mixing = np.eye(5) + rng.normal(scale=0.3, size=(5, 5))
    scramble = rng.normal(size=(5, 5))
    perm = np.array([3, 1, 4, 0, 2])

    def mixed(images):  # a deterministic, partly scrambled code of each image
        codes = factor_codes(images)
        return codes @ mixing + 3.0 * np.sin(codes @ scramble)

    base = compute_change_one(toy, mixed, seed=2, **SMALL)
    permuted = compute_change_one(toy, lambda im: mixed(im)[:, perm], seed=2, **SMALL)
    assert base["beta_vae_change_one"] < 1.0
    assert permuted["beta_vae_change_one"] == pytest.approx(base["beta_vae_change_one"], abs=0.01)


def test_fix_one_ground_truth_codes_score_perfectly(toy):
    scores = compute_fix_one(toy, factor_codes, seed=0, batch_size=16, num_train=300, num_eval=200)
    assert scores["beta_vae_fix_one"] == 1.0


def test_fix_one_constant_codes_score_chance(toy):
    scores = compute_fix_one(toy, constant_codes, seed=1, batch_size=8, num_train=300, num_eval=400)
    assert 0.12 < scores["beta_vae_fix_one"] < 0.28  # chance: 1/5


def test_fix_one_renders_in_bounded_chunks(toy):
    seen = []

    def spy(images):
        seen.append(images.shape[0])
        return factor_codes(images)

    compute_fix_one(toy, spy, seed=0, batch_size=16, num_train=40, num_eval=10, chunk_size=256)
    assert max(seen) <= 256
    assert sum(seen) == 2 * 16 * 50


def test_change_one_encodes_each_distinct_factor_row_once(toy):
    seen = []

    def spy(images):
        seen.append(images)
        return factor_codes(images)

    x, _ = change_one_features(toy, spy, 2000, np.random.default_rng(5), chunk_size=700)
    images = np.concatenate(seen)
    assert len(images) <= int(np.prod(toy.factor_sizes))  # 1,440 combinations < 4,000 images
    assert len(np.unique(images.reshape(len(images), -1), axis=0)) == len(images)
    assert (x.max(axis=1) == 1.0).all()
