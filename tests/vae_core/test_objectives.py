"""The regularisers of vae_core.objectives against values worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from vae_core.losses import kl_per_example
from vae_core.objectives import (
    DEFAULT_PARAMETERS,
    DISCRIMINATOR_WIDTH,
    LOCATELLO_STRENGTHS,
    OBJECTIVES,
    STRENGTH_NAMES,
    Discriminator,
    capacity,
    covariance_of_means,
    dip_regularizer,
    discriminator_loss,
    discriminator_tc,
    gaussian_log_density,
    permute_dims,
    regularizer,
    total_correlation,
)

pytestmark = pytest.mark.numerics


def posteriors(batch: int = 64, dims: int = 4, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, dims, generator=g, dtype=torch.float64)
    logvar = 0.5 * torch.randn(batch, dims, generator=g, dtype=torch.float64)
    z = mu + torch.exp(0.5 * logvar) * torch.randn(batch, dims, generator=g, dtype=torch.float64)
    return z, mu, logvar, kl_per_example(mu, logvar).mean()


def test_gaussian_log_density_of_the_standard_normal_at_its_mean_and_one_sigma_out() -> None:
    zero = torch.zeros(1, dtype=torch.float64)
    assert gaussian_log_density(zero, zero, zero).item() == pytest.approx(
        -0.5 * math.log(2 * math.pi)
    )
    # N(3; 1, σ² = 4): −½(4/4 + log 4 + log 2π)
    three, one, log4 = (torch.tensor([v], dtype=torch.float64) for v in (3.0, 1.0, math.log(4)))
    want = -0.5 * (1.0 + math.log(4) + math.log(2 * math.pi))
    assert gaussian_log_density(three, one, log4).item() == pytest.approx(want)


def test_total_correlation_of_one_example_is_zero() -> None:
    # with B = 1 the joint and every marginal are the same single posterior: log q − Σ log q_l = 0
    z, mu, logvar, _ = posteriors(batch=1)
    assert total_correlation(z, mu, logvar).item() == pytest.approx(0.0, abs=1e-12)


def test_total_correlation_of_independent_latents_tends_to_zero() -> None:
    # μ ~ N(0, I), σ = 1: the aggregate posterior is N(0, 2I), which factorises. The estimate
    # leaves out (D − 1)·log B (N = 1: the batch is the data); with it added back the TC is
    # within Monte-Carlo error of 0 (about 1e-3 at B = 4096 over seeds).
    g = torch.Generator().manual_seed(1)
    batch, dims = 4096, 3
    mu = torch.randn(batch, dims, generator=g, dtype=torch.float64)
    z = mu + torch.randn(batch, dims, generator=g, dtype=torch.float64)
    tc = total_correlation(z, mu, torch.zeros_like(mu)).item() + (dims - 1) * math.log(batch)
    assert tc == pytest.approx(0.0, abs=0.01)


def test_total_correlation_of_two_correlated_latents_is_their_mutual_information() -> None:
    # z_1 = m + ½ε_1, z_2 = m + ½ε_2 with m ~ N(0, 1): correlation ρ = 1 / 1.25 = 0.8, and for
    # two Gaussians TC = I(z_1; z_2) = −½ log(1 − ρ²) = 0.511 nats. The estimate's Monte-Carlo
    # standard deviation at B = 4096 is about 0.01; the tolerance is four of them.
    g = torch.Generator().manual_seed(2)
    batch = 4096
    m = torch.randn(batch, 1, generator=g, dtype=torch.float64).expand(batch, 2)
    logvar = torch.full((batch, 2), math.log(0.25), dtype=torch.float64)
    z = m + 0.5 * torch.randn(batch, 2, generator=g, dtype=torch.float64)
    tc = total_correlation(z, m, logvar).item() + math.log(batch)
    assert tc == pytest.approx(-0.5 * math.log(1 - 0.8**2), abs=0.05)


def test_covariance_of_means_is_the_population_covariance() -> None:
    mu = torch.tensor([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]], dtype=torch.float64)
    assert torch.equal(covariance_of_means(mu), torch.eye(2, dtype=torch.float64))
    _, mu, _, _ = posteriors()
    assert torch.allclose(covariance_of_means(mu), torch.cov(mu.T, correction=0))


def test_dip_of_an_identity_covariance_is_zero_for_both_kinds() -> None:
    corners = torch.tensor(
        [[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]], dtype=torch.float64
    )
    # I: Cov[μ] = I
    no_var = torch.full_like(corners, -30.0)  # σ² = e^-30, far below float64 resolution of 1
    assert dip_regularizer(corners, no_var, 3.0, 7.0, "i").item() == pytest.approx(0.0)
    # II: Cov[μ] = 0.36·I plus E[σ²] = 0.64 on the diagonal
    logvar = torch.full_like(corners, math.log(0.64))
    assert dip_regularizer(0.6 * corners, logvar, 3.0, 7.0, "ii").item() == pytest.approx(0.0)
    # ... while DIP-VAE-I on the same means sees the diagonal 0.36: λ_d·2·(0.36 − 1)²
    assert dip_regularizer(0.6 * corners, logvar, 3.0, 7.0, "i").item() == pytest.approx(
        7.0 * 2 * 0.64**2
    )


def test_dip_weighs_off_diagonal_and_diagonal_terms_by_their_own_lambdas() -> None:
    # μ = ±(1, 1): Cov = [[1, 1], [1, 1]]: off-diagonal Σ = 2, diagonal deviation 0
    mu = torch.tensor([[1.0, 1.0], [-1.0, -1.0]], dtype=torch.float64)
    logvar = torch.full_like(mu, -30.0)
    assert dip_regularizer(mu, logvar, 5.0, 100.0, "i").item() == pytest.approx(10.0)
    # μ = ±(2, 0): Cov = diag(4, 0): diagonal Σ (4 − 1)² + (0 − 1)² = 10, off-diagonal 0
    mu = torch.tensor([[2.0, 0.0], [-2.0, 0.0]], dtype=torch.float64)
    assert dip_regularizer(mu, logvar, 100.0, 0.5, "i").item() == pytest.approx(5.0)
    with pytest.raises(ValueError, match="'iii'"):
        dip_regularizer(mu, logvar, 1.0, 1.0, "iii")


def test_capacity_rises_linearly_to_c_max_and_stays() -> None:
    assert capacity(0, 25.0, 1000) == 0.0
    assert capacity(250, 25.0, 1000) == pytest.approx(6.25)
    assert capacity(1000, 25.0, 1000) == 25.0
    assert capacity(5000, 25.0, 1000) == 25.0
    with pytest.raises(ValueError, match="iteration_threshold"):
        capacity(1, 25.0, 0)


def test_permute_dims_keeps_every_marginal_and_breaks_the_rows() -> None:
    g = torch.Generator().manual_seed(0)
    z = torch.arange(200.0).reshape(50, 4)  # every entry distinct, rows increasing
    shuffled = permute_dims(z, g)
    for col in range(4):
        assert torch.equal(shuffled[:, col].sort().values, z[:, col])
    # the columns were drawn independently: rows of z do not survive (a row index per column)
    row_of = (shuffled - torch.arange(4.0)) / 4
    assert (row_of != row_of[:, :1]).any(dim=1).float().mean() > 0.9
    again = permute_dims(z, torch.Generator().manual_seed(0))
    assert torch.equal(again, shuffled)


def test_the_discriminator_has_six_hidden_layers_of_a_thousand_and_two_logits() -> None:
    disc = Discriminator(latent_dim=10)
    linears = [m for m in disc.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [DISCRIMINATOR_WIDTH] * 6 + [2]
    assert linears[0].in_features == 10
    assert disc(torch.zeros(3, 10)).shape == (3, 2)


def test_discriminator_tc_and_loss_from_known_logits() -> None:
    logits = torch.tensor([[3.0, 1.0], [0.0, 1.0]])
    assert discriminator_tc(logits).item() == pytest.approx(0.5)  # (2 + (−1)) / 2
    even = torch.zeros(4, 2)
    assert discriminator_loss(even, even).item() == pytest.approx(math.log(2))
    # a discriminator that is sure and right costs ~0; sure and wrong costs a lot
    sure = torch.tensor([[20.0, -20.0]])
    assert discriminator_loss(sure, sure.flip(1)).item() == pytest.approx(0.0, abs=1e-12)
    assert discriminator_loss(sure.flip(1), sure).item() == pytest.approx(40.0, rel=1e-6)


def test_beta_tcvae_equals_beta_vae_at_beta_one_and_adds_the_tc_otherwise() -> None:
    z, mu, logvar, kl = posteriors()
    common = {"kl": kl, "mu": mu, "logvar": logvar, "z": z}
    tcvae = regularizer("beta_tcvae", 1.0, **common)
    assert tcvae.item() == pytest.approx(regularizer("beta_vae", 1.0, **common).item())
    tc = total_correlation(z, mu, logvar)
    assert regularizer("beta_tcvae", 6.0, **common).item() == pytest.approx((kl + 5.0 * tc).item())


def test_each_objective_is_its_equation() -> None:
    z, mu, logvar, kl = posteriors()
    common = {"kl": kl, "mu": mu, "logvar": logvar, "z": z}
    assert regularizer("beta_vae", 4.0, **common).item() == pytest.approx(4.0 * kl.item())
    assert regularizer("beta_vae", 0.0, **common).item() == 0.0  # β < 1e-3: no KL term
    dip = dip_regularizer(mu, logvar, 2.0, 20.0, "ii")
    got = regularizer("dip_vae_ii", 2.0, lambda_d_factor=10.0, **common)
    assert got.item() == pytest.approx((kl + dip).item())
    tc = torch.tensor(0.3, dtype=torch.float64)
    got = regularizer("factor_vae", 10.0, factor_tc=tc, **common)
    assert got.item() == pytest.approx(kl.item() + 3.0)
    # AnnealedVAE: γ·|KL| at step 0, γ·|KL − C_max| once the capacity is reached
    at_0 = regularizer("annealed_vae", 1000.0, step=0, c_max=5.0, iteration_threshold=10, **common)
    assert at_0.item() == pytest.approx(1000.0 * kl.item())
    late = regularizer("annealed_vae", 1000.0, step=99, c_max=5.0, iteration_threshold=10, **common)
    assert late.item() == pytest.approx(1000.0 * abs(kl.item() - 5.0))


def test_every_objective_names_its_strength_and_refuses_missing_inputs() -> None:
    assert set(STRENGTH_NAMES) == set(OBJECTIVES) == set(DEFAULT_PARAMETERS)
    assert set(LOCATELLO_STRENGTHS) == set(OBJECTIVES)
    assert DEFAULT_PARAMETERS["dip_vae_i"]["lambda_d_factor"] == 10.0  # Locatello et al.'s
    assert DEFAULT_PARAMETERS["dip_vae_ii"]["lambda_d_factor"] == 1.0
    z, mu, logvar, kl = posteriors()
    with pytest.raises(ValueError, match="unknown objective 'wae'"):
        regularizer("wae", 1.0, kl=kl, mu=mu, logvar=logvar)
    with pytest.raises(ValueError, match="sampled codes"):
        regularizer("beta_tcvae", 2.0, kl=kl, mu=mu, logvar=logvar)
    with pytest.raises(ValueError, match="discriminator"):
        regularizer("factor_vae", 2.0, kl=kl, mu=mu, logvar=logvar, z=z)


def test_the_regularisers_pass_gradients_to_the_encoder_outputs() -> None:
    z, mu, logvar, _ = posteriors()
    for objective in ("beta_tcvae", "dip_vae_i", "dip_vae_ii", "annealed_vae"):
        m, lv = mu.clone().requires_grad_(), logvar.clone().requires_grad_()
        codes = m + torch.exp(0.5 * lv) * (z - mu) / torch.exp(0.5 * logvar)
        kl = kl_per_example(m, lv).mean()
        regularizer(objective, 3.0, kl=kl, mu=m, logvar=lv, z=codes, step=1).backward()
        assert m.grad is not None and torch.isfinite(m.grad).all() and m.grad.abs().sum() > 0
        assert lv.grad is not None and lv.grad.abs().sum() > 0
