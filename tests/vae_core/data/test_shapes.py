"""The shapes renderer's geometry and the dataset build: dedup, splits, determinism, cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from vae_core.data import load_dataset
from vae_core.data.dummy import DummyGroundTruth
from vae_core.data.images import DataSplits
from vae_core.data.shapes import (
    FACTOR_NAMES,
    FACTOR_SIZES,
    NUM_COMBINATIONS,
    PAPER_UNIQUE,
    ShapesGroundTruth,
    build_dataset,
    factors_to_index,
    index_to_factors,
    render,
    render_packed,
)

SQUARE, ELLIPSE, TRIANGLE = 0, 1, 2


def one(shape: int, x: int, y: int, scale: int, rotation: int) -> np.ndarray:
    """A single rendered image, bool (64, 64)."""
    return render(np.array([[shape, x, y, scale, rotation]]))[0]


def centroid(image: np.ndarray) -> np.ndarray:
    """(col, row) centre of mass of the on pixels."""
    rows, cols = np.nonzero(image)
    return np.array([cols.mean(), rows.mean()])


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def pivot_shift(rotation: int) -> np.ndarray:
    """Where a turn about the pixel corner (-1/2, -1/2) moves the shape centre, (dx, dy)."""
    theta = np.deg2rad(3.0 * rotation)
    c, s = np.cos(theta), np.sin(theta)
    turn = np.array([[c, s], [-s, c]])  # counter-clockwise as displayed, y down
    pivot = np.array([-0.5, -0.5])
    return pivot - turn @ pivot


def all_kept(splits: DataSplits) -> tuple[np.ndarray, np.ndarray]:
    """Packed images and factors of every split together, in enumeration order."""
    sets = (splits.train, splits.validation, splits.test)
    data = np.concatenate([s.data for s in sets])
    factors = np.concatenate([s.factors for s in sets])
    order = np.argsort(factors_to_index(factors))
    return data[order], factors[order]


def test_factor_names_and_sizes_follow_the_protocol():
    assert FACTOR_NAMES == ("shape", "x", "y", "scale", "rotation")
    assert FACTOR_SIZES == (3, 16, 16, 6, 60)
    assert NUM_COMBINATIONS == 276_480


@pytest.mark.parametrize("scale", range(6))
def test_square_at_rotation_zero_is_an_exact_block_at_its_position(scale):
    r = 8 + scale
    for x, y in [(0, 0), (15, 3), (7, 15)]:
        image = one(SQUARE, x, y, scale, 0)
        expected = np.zeros((64, 64), bool)
        row, col = 24 + y, 24 + x
        expected[row - r : row + r + 1, col - r : col + r + 1] = True
        np.testing.assert_array_equal(image, expected)


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, TRIANGLE])
def test_one_step_in_x_or_y_moves_the_centroid_one_pixel_along_its_axis(shape):
    base = centroid(one(shape, 5, 9, 2, 17))
    np.testing.assert_allclose(centroid(one(shape, 6, 9, 2, 17)) - base, [1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(centroid(one(shape, 5, 10, 2, 17)) - base, [0.0, 1.0], atol=1e-9)


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, TRIANGLE])
@pytest.mark.parametrize("rotation", [0, 11, 45])
def test_area_grows_with_scale(shape, rotation):
    factors = np.array([[shape, 8, 8, scale, rotation] for scale in range(6)])
    areas = render(factors).sum(axis=(1, 2))
    assert np.all(np.diff(areas) > 0), areas


def test_ellipse_is_tall_with_horizontal_semi_axis_half_the_vertical():
    rows, cols = np.nonzero(one(ELLIPSE, 0, 0, 5, 0))  # r = 13, semi-axes 6 and 13
    assert (rows.min(), rows.max()) == (24 - 13, 24 + 13)
    assert (cols.min(), cols.max()) == (24 - 6, 24 + 6)


def test_rotation_is_counter_clockwise_as_displayed():
    upright = one(TRIANGLE, 7, 7, 4, 0)
    rows, cols = np.nonzero(upright)
    centre = 24 + 7
    assert centre - rows.min() > rows.max() - centre  # the vertex points up
    turned = one(TRIANGLE, 7, 7, 4, 30)  # 90 degrees
    rows, cols = np.nonzero(turned)
    assert centre - cols.min() > cols.max() - centre + 3  # the vertex now points left
    assert abs((centre - rows.min()) - (rows.max() - centre)) <= 2  # and no longer up
    tilted = one(ELLIPSE, 7, 7, 5, 15)  # 45 degrees: the top end of the long axis goes up-left
    rows, cols = np.nonzero(tilted)
    assert np.corrcoef(cols, rows)[0, 1] > 0.5  # long axis from top-left to bottom-right


def test_square_turned_90_degrees_is_the_square_one_row_up_because_of_the_corner_pivot():
    np.testing.assert_allclose(pivot_shift(30), [0.0, -1.0], atol=1e-12)
    for scale in range(6):
        np.testing.assert_array_equal(one(SQUARE, 4, 6, scale, 30), one(SQUARE, 4, 5, scale, 0))


def test_triangle_turned_120_degrees_nearly_matches_itself():
    for rotation in range(20):
        first, turned = render(np.array([[TRIANGLE, 7, 7, 5, rotation + k] for k in (0, 40)]))
        assert abs(int(turned.sum()) - int(first.sum())) <= 0.05 * first.sum()
        moved = centroid(turned) - centroid(first)
        expected = pivot_shift(rotation + 40) - pivot_shift(rotation)
        np.testing.assert_allclose(moved, expected, atol=0.6)
        dx, dy = np.round(expected).astype(int)
        assert iou(first, np.roll(turned, (-dy, -dx), axis=(0, 1))) > 0.85
    scores = [
        max(
            iou(first, np.roll(turned, (dy, dx), axis=(0, 1)))
            for dy in range(-2, 3)
            for dx in range(-2, 3)
        )
        for first, turned in (
            render(np.array([[TRIANGLE, 7, 7, 5, r], [TRIANGLE, 7, 7, 5, r + 40]]))
            for r in range(20)
        )
    ]
    assert np.mean(scores) > 0.9


def test_render_packed_is_packbits_of_render():
    factors = ShapesGroundTruth().sample_factors(300, np.random.default_rng(3))
    images = render(factors)
    assert images.shape == (300, 64, 64) and images.dtype == bool
    np.testing.assert_array_equal(render_packed(factors), np.packbits(images.reshape(300, -1), 1))


def test_index_and_factors_round_trip_in_mixed_radix():
    index = np.array([0, 1, 59, 60, 12345, NUM_COMBINATIONS - 1])
    factors = index_to_factors(index)
    np.testing.assert_array_equal(factors[2], [0, 0, 0, 0, 59])
    np.testing.assert_array_equal(factors[3], [0, 0, 0, 1, 0])
    np.testing.assert_array_equal(factors[-1], np.array(FACTOR_SIZES) - 1)
    np.testing.assert_array_equal(factors_to_index(factors), index)


def test_bad_factors_are_refused():
    with pytest.raises(ValueError, match="out of range"):
        render(np.array([[3, 0, 0, 0, 0]]))
    with pytest.raises(ValueError, match="shape"):
        render(np.zeros((2, 4), np.int64))
    with pytest.raises(ValueError, match="out of range"):
        index_to_factors(np.array([NUM_COMBINATIONS]))


def test_ground_truth_samples_in_range_and_reproducibly():
    gt = ShapesGroundTruth()
    a = gt.sample_factors(5000, np.random.default_rng(7))
    b = gt.sample_factors(5000, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.int64 and a.shape == (5000, gt.num_factors)
    assert np.all(a.min(axis=0) == 0) and np.all(a.max(axis=0) == np.array(gt.factor_sizes) - 1)


def test_dummy_ground_truth_gives_a_distinct_image_per_combination():
    gt = DummyGroundTruth()
    n = int(np.prod(gt.factor_sizes))
    factors = gt.index_to_factors(np.arange(n))
    np.testing.assert_array_equal(gt.factors_to_index(factors), np.arange(n))
    images = gt.render(factors).reshape(n, -1)
    assert len(np.unique(images, axis=0)) == n
    assert np.all(images.sum(axis=1) == gt.num_factors)
    assert gt.sample_factors(10, np.random.default_rng(0)).shape == (10, gt.num_factors)


def test_build_count_is_within_two_percent_of_the_paper(shapes_splits):
    info = shapes_splits.info
    assert abs(info["unique"] - PAPER_UNIQUE) <= 0.02 * PAPER_UNIQUE
    assert sum(info["unique_per_shape"].values()) == info["unique"]
    assert list(info["unique_per_shape"]) == ["square", "ellipse", "triangle"]
    assert len(shapes_splits.content_sha256) == 64


def test_no_duplicates_remain_and_every_removed_image_equals_an_earlier_kept_one(shapes_splits):
    data, factors = all_kept(shapes_splits)
    kept_index = factors_to_index(factors)
    removed_index = np.setdiff1d(np.arange(NUM_COMBINATIONS), kept_index)
    assert len(removed_index) == NUM_COMBINATIONS - len(kept_index) > 0
    removed_factors = index_to_factors(removed_index)
    removed = render_packed(removed_factors)
    for shape in range(3):
        k_mask, r_mask = factors[:, 0] == shape, removed_factors[:, 0] == shape
        rows = np.concatenate([data[k_mask], removed[r_mask]])
        void = rows.view(np.dtype((np.void, rows.shape[1])))[:, 0]
        _, group = np.unique(void, return_inverse=True)
        n_kept = int(k_mask.sum())
        assert group.max() + 1 == n_kept  # kept images distinct; every removed one among them
        first_of_group = np.empty(n_kept, np.int64)
        first_of_group[group[:n_kept]] = kept_index[k_mask]
        assert np.all(removed_index[r_mask] > first_of_group[group[n_kept:]])


def test_stored_images_are_the_rendered_images_of_their_factors(shapes_splits):
    for part in (shapes_splits.train, shapes_splits.validation, shapes_splits.test):
        assert part.packed and part.image_shape == (64, 64)
        rows = np.arange(0, len(part), 97)
        np.testing.assert_array_equal(part.floats(rows)[:, 0] > 0.5, render(part.factors[rows]))


def test_splits_are_disjoint_70_15_15_and_stratified_by_shape(shapes_splits):
    parts = (shapes_splits.train, shapes_splits.validation, shapes_splits.test)
    index = [factors_to_index(p.factors) for p in parts]
    all_index = np.concatenate(index)
    assert len(np.unique(all_index)) == len(all_index)  # disjoint
    per_shape = [np.bincount(p.factors[:, 0], minlength=3) for p in parts]
    totals = np.array(list(shapes_splits.info["unique_per_shape"].values()))
    np.testing.assert_array_equal(sum(per_shape), totals)
    np.testing.assert_array_equal(per_shape[0], np.round(0.7 * totals))
    assert np.all(np.abs(per_shape[1] - per_shape[2]) <= 1)
    # Shapes are interleaved, so a prefix of a split is a fair sample.
    head = np.bincount(parts[0].factors[:3000, 0], minlength=3) / 3000
    np.testing.assert_allclose(head, totals / totals.sum(), atol=0.04)


def test_cache_hit_returns_identical_arrays(shapes_splits, shapes_cache_dir):
    again = build_dataset(seed=0, cache_dir=shapes_cache_dir)
    assert again.info["from_cache"] and not shapes_splits.info["from_cache"]
    assert Path(again.info["cache_path"]).parent == shapes_cache_dir
    assert again.content_sha256 == shapes_splits.content_sha256
    for a, b in zip(
        (again.train, again.validation, again.test),
        (shapes_splits.train, shapes_splits.validation, shapes_splits.test),
        strict=True,
    ):
        np.testing.assert_array_equal(a.data, b.data)
        np.testing.assert_array_equal(a.factors, b.factors)
    via_load = load_dataset("shapes", seed=0, cache_dir=shapes_cache_dir)
    assert via_load.info["from_cache"]
    np.testing.assert_array_equal(via_load.test.data, shapes_splits.test.data)


def test_corrupt_cache_is_rebuilt_to_the_same_dataset(shapes_splits, shapes_cache_dir, tmp_path):
    cached = Path(shapes_splits.info["cache_path"])
    copy = tmp_path / cached.name
    shutil.copy(cached, copy)
    copy.write_bytes(copy.read_bytes()[:5000])  # truncated: unreadable
    rebuilt = build_dataset(seed=0, cache_dir=tmp_path)
    assert not rebuilt.info["from_cache"]
    assert rebuilt.content_sha256 == shapes_splits.content_sha256
    np.testing.assert_array_equal(rebuilt.train.factors, shapes_splits.train.factors)
    np.testing.assert_array_equal(rebuilt.validation.data, shapes_splits.validation.data)
    assert build_dataset(seed=0, cache_dir=tmp_path).info["from_cache"]  # rewritten, readable


def test_another_seed_gives_another_split_of_the_same_content(shapes_splits, tmp_path):
    other = build_dataset(seed=1, cache_dir=tmp_path)
    assert other.content_sha256 == shapes_splits.content_sha256
    assert len(other.train) == len(shapes_splits.train)
    assert not np.array_equal(other.train.factors, shapes_splits.train.factors)
    assert Path(other.info["cache_path"]).name != Path(shapes_splits.info["cache_path"]).name


def test_cache_dir_defaults_to_the_environment_variable(tmp_path, monkeypatch, shapes_splits):
    cached = Path(shapes_splits.info["cache_path"])
    shutil.copy(cached, tmp_path / cached.name)
    monkeypatch.setenv("BETALAB_CACHE_DIR", str(tmp_path))
    loaded = build_dataset(seed=0)
    assert loaded.info["from_cache"] and Path(loaded.info["cache_path"]).parent == tmp_path
