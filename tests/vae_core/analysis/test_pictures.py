import io

import numpy as np
import torch
from PIL import Image

from tests.utils.tiny_vae import ConstantVAE
from vae_core.analysis.images import grid_png
from vae_core.analysis.reconstructions import reconstructions_png
from vae_core.analysis.response import response_png
from vae_core.analysis.traversal import latent_order, traversal_png


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return image


def test_grid_places_each_tile_between_padding():
    tiles = np.zeros((2, 3, 4, 5))
    tiles[1, 2] = 1.0  # bottom-right tile white
    image = np.asarray(decode(grid_png(tiles, pad=2)))
    assert image.shape == (2 * 6 + 2, 3 * 7 + 2)
    assert (image[8:12, 16:21] == 255).all()
    assert (image[2:6, 2:7] == 0).all()
    assert image[0, 0] == 128


def test_latent_order_ranks_by_mean_kl():
    mu = torch.tensor([[0.0, 2.0, 1.0], [0.0, -2.0, 1.0]])
    assert latent_order(mu, torch.zeros_like(mu)).tolist() == [1, 2, 0]


def test_traversal_has_one_row_per_latent_and_nine_columns():
    batch = np.random.default_rng(0).random((20, 1, 8, 8)).astype(np.float32)
    image = decode(traversal_png(ConstantVAE(latent_dim=3), batch[0], batch))
    assert image.size == (9 * 10 + 2, 3 * 10 + 2)  # (width, height), 2-pixel padding


def test_reconstructions_put_inputs_above_outputs():
    batch = np.ones((4, 1, 8, 8), dtype=np.float32)
    image = np.asarray(decode(reconstructions_png(ConstantVAE(), batch)))
    assert image.shape == (2 * 10 + 2, 4 * 10 + 2)
    assert (image[2:10, 2:10] == 255).all()  # input: white
    assert (image[12:20, 2:10] == 128).all()  # output: sigmoid(0) = 0.5 grey


def test_response_map_decodes_with_a_row_per_latent():
    rng = np.random.default_rng(1)
    factors = rng.integers(0, (3, 16, 16, 6, 60), size=(500, 5))
    one = decode(response_png(rng.normal(size=(500, 1)), factors))
    three = decode(response_png(rng.normal(size=(500, 3)), factors))
    assert one.size[0] == three.size[0]
    assert three.size[1] > 2.5 * one.size[1]
