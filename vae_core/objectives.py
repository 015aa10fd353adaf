"""Disentanglement objectives beyond β-VAE: what each adds to the reconstruction cost.

Every objective's cost is reconstruction + regulariser, where the regulariser is a function of the
batch's posteriors N(μ, σ²) (and, for β-TCVAE and FactorVAE, the codes z sampled from them). The
definitions follow Locatello et al. (2019), *Challenging Common Assumptions in the Unsupervised
Learning of Disentangled Representations*, as their disentanglement_lib states them
(methods/unsupervised/vae.py); each function cites the method's own paper and equation. All
terms are batch means, in nats, like `vae_core.losses.vae_loss`'s KL.

| objective      | regulariser                                | strength | own parameters     |
|----------------|--------------------------------------------|----------|--------------------|
| `beta_vae`     | β·KL                                       | β        | none               |
| `beta_tcvae`   | KL + (β − 1)·TC                            | β        | none               |
| `factor_vae`   | KL + γ·TC (discriminator estimate)         | γ        | discriminator lr   |
| `dip_vae_i`    | KL + λ_od·Σ off-diag² + λ_d·Σ (diag − 1)²  | λ_od     | λ_d_factor         |
| `dip_vae_ii`   | as DIP-VAE-I, on Cov[μ] + E[diag σ²]       | λ_od     | λ_d_factor         |
| `annealed_vae` | γ·|KL − C(step)|, C rises 0 → C_max        | γ        | C_max, threshold   |

The module is pure: no state, no optimiser. FactorVAE's discriminator (`Discriminator`) is a
module the training loop owns, steps with its own Adam and checkpoints beside the model.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from vae_core.config import OBJECTIVE_PARAMETERS, OBJECTIVES, STRENGTH_NAMES  # noqa: F401 (re-exported)
from vae_core.losses import KL_BETA_MIN, at_least_fp32, vae_loss

# The objectives, their strength axes and their own parameters' defaults live torch-free in
# vae_core.config (the API validates specs against them). The strengths Locatello et al. swept
# (their unsupervised_study_v1; AnnealedVAE there sweeps C_max at γ = 1000, which a grid gets as
# one experiment per C_max):
DEFAULT_PARAMETERS = OBJECTIVE_PARAMETERS
LOCATELLO_STRENGTHS: dict[str, tuple[float, ...]] = {
    "beta_vae": (1.0, 2.0, 4.0, 6.0, 8.0, 16.0),
    "beta_tcvae": (1.0, 2.0, 4.0, 6.0, 8.0, 10.0),
    "factor_vae": (10.0, 20.0, 30.0, 40.0, 50.0, 100.0),
    "dip_vae_i": (1.0, 2.0, 5.0, 10.0, 20.0, 50.0),
    "dip_vae_ii": (1.0, 2.0, 5.0, 10.0, 20.0, 50.0),
    "annealed_vae": (1000.0,),  # γ; C_max in (5, 10, 25, 50, 75, 100)
}
DISCRIMINATOR_BETAS = (0.5, 0.9)  # its Adam's (β₁, β₂)
# FactorVAE's discriminator (Kim & Mnih 2018, appendix; disentanglement_lib's fc_discriminator):
# 6 hidden layers of 1000 leaky-ReLU units, 2 logits (code drawn from q(z) / from Π q(z_l)).
DISCRIMINATOR_LAYERS, DISCRIMINATOR_WIDTH, LEAKY_SLOPE = 6, 1000, 0.2
_LOG_2PI = math.log(2.0 * math.pi)


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; μ, exp(logvar)) elementwise (broadcasting): −½((z − μ)²/σ² + log σ² + log 2π)."""
    return -0.5 * ((z - mu).square() * torch.exp(-logvar) + logvar + _LOG_2PI)


def total_correlation(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Minibatch estimate of TC = E_j[log q(z_j) − Σ_l log q(z_jl)], constants dropped.

    Chen et al. (2018), *Isolating Sources of Disentanglement in VAEs*, §4.1 (minibatch weighted
    sampling): q(z_j) is estimated by the mixture of the batch's B posteriors, log q(z_j) ≈
    logsumexp_i log q(z_j | x_i) − log(N·B), and each marginal q(z_jl) alike. The constant terms
    add up to (D − 1)·log(N·B), which does not change the gradient and is left out, as in
    disentanglement_lib: the value is the TC minus (D − 1)·log(N·B), so it is negative for nearly
    independent latents. `z`, `mu`, `logvar`: (B, D); returns a scalar.
    """
    z, mu, logvar = at_least_fp32(z), at_least_fp32(mu), at_least_fp32(logvar)
    # log q(z_j,l | x_i) for every pair: (B_j, B_i, D)
    log_q = gaussian_log_density(z.unsqueeze(1), mu.unsqueeze(0), logvar.unsqueeze(0))
    log_q_joint = torch.logsumexp(log_q.sum(dim=2), dim=1)  # (B_j,)
    log_q_marginals = torch.logsumexp(log_q, dim=1).sum(dim=1)  # (B_j,)
    return (log_q_joint - log_q_marginals).mean()


def covariance_of_means(mu: torch.Tensor) -> torch.Tensor:
    """Cov[μ] over the batch, E[μ μᵀ] − E[μ] E[μ]ᵀ (the population form, divided by B): (D, D)."""
    mu = at_least_fp32(mu)
    centred = mu - mu.mean(dim=0, keepdim=True)
    return centred.T @ centred / mu.shape[0]


def dip_regularizer(
    mu: torch.Tensor, logvar: torch.Tensor, lambda_od: float, lambda_d: float, kind: str
) -> torch.Tensor:
    """λ_od·Σ_{k≠l} C_kl² + λ_d·Σ_k (C_kk − 1)², how far C is from the identity.

    Kumar et al. (2018), *Variational Inference of Disentangled Latent Concepts from Unlabeled
    Observations*: C = Cov[μ] for DIP-VAE-I (their eq. 6), C = Cov[μ] + E[diag σ²], the covariance
    of the aggregate posterior, for DIP-VAE-II (eq. 7). `kind` is "i" or "ii".
    """
    if kind not in ("i", "ii"):
        raise ValueError(f"DIP-VAE kind must be 'i' or 'ii', got {kind!r}")
    cov = covariance_of_means(mu)
    if kind == "ii":
        cov = cov + torch.diag(at_least_fp32(logvar).exp().mean(dim=0))
    diagonal = torch.diagonal(cov)
    off_diagonal = cov - torch.diag(diagonal)
    return lambda_od * off_diagonal.square().sum() + lambda_d * (diagonal - 1.0).square().sum()


def capacity(step: int, c_max: float, iteration_threshold: int) -> float:
    """AnnealedVAE's target KL at optimiser step `step`: c_max·step/threshold, at most c_max.

    Burgess et al. (2018), *Understanding disentangling in β-VAE*, §4 (eq. 8): the capacity C
    grows linearly from 0 to C_max over `iteration_threshold` steps, then stays.
    """
    if iteration_threshold <= 0:
        raise ValueError(f"iteration_threshold must be positive, got {iteration_threshold}")
    return min(c_max, c_max * step / iteration_threshold)


def permute_dims(z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each latent dimension shuffled across the batch on its own: samples of Π_l q(z_l).

    Kim & Mnih (2018), *Disentangling by Factorising*, algorithm 2. The rows of the result keep
    each marginal of `z` exactly and break the dependence between dimensions.
    """
    batch, dims = z.shape
    keys = torch.rand((batch, dims), generator=generator, device=z.device)
    order = keys.argsort(dim=0)  # an independent permutation of the rows per column
    return torch.gather(z, 0, order)


class Discriminator(nn.Module):
    """FactorVAE's discriminator D(z): logits of (drawn from q(z), drawn from Π_l q(z_l))."""

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = latent_dim
        for _ in range(DISCRIMINATOR_LAYERS):
            layers += [nn.Linear(width, DISCRIMINATOR_WIDTH), nn.LeakyReLU(LEAKY_SLOPE)]
            width = DISCRIMINATOR_WIDTH
        layers.append(nn.Linear(width, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """(B, D) codes -> (B, 2) logits."""
        return self.net(z)


def discriminator_tc(logits: torch.Tensor) -> torch.Tensor:
    """FactorVAE's TC estimate, E[log D(z) / (1 − D(z))] = mean of logit₀ − logit₁ (eq. 3)."""
    logits = at_least_fp32(logits)
    return (logits[:, 0] - logits[:, 1]).mean()


def discriminator_loss(logits_joint: torch.Tensor, logits_permuted: torch.Tensor) -> torch.Tensor:
    """The discriminator's cross-entropy: −½ E[log D₀(z)] − ½ E[log D₁(permuted z)].

    Minimised by the discriminator's own optimiser (Kim & Mnih 2018, algorithm 2), on codes
    detached from the encoder. log 2 when it cannot tell the two apart (equal logits).
    """
    joint = F.log_softmax(at_least_fp32(logits_joint), dim=1)[:, 0]
    permuted = F.log_softmax(at_least_fp32(logits_permuted), dim=1)[:, 1]
    return -0.5 * (joint.mean() + permuted.mean())


def regularizer(
    objective: str,
    strength: float,
    *,
    kl: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor | None = None,
    step: int = 0,
    lambda_d_factor: float = 1.0,
    c_max: float = 25.0,
    iteration_threshold: int = 100_000,
    factor_tc: torch.Tensor | None = None,
) -> torch.Tensor:
    """The term `objective` adds to the batch-mean reconstruction cost, at `strength`.

    `kl` is the batch-mean KL to the prior (`vae_core.losses.kl_per_example(...).mean()`); `z`
    the sampled codes (β-TCVAE); `step` the optimiser steps taken so far (AnnealedVAE);
    `factor_tc` the discriminator's `discriminator_tc` on `z` (FactorVAE). β-VAE below β = 1e-3
    leaves the KL out, as `vae_loss` does.
    """
    if objective == "beta_vae":
        return kl * 0.0 if strength < KL_BETA_MIN else strength * kl
    if objective == "beta_tcvae":
        if z is None:
            raise ValueError("beta_tcvae needs the sampled codes z")
        return kl + (strength - 1.0) * total_correlation(z, mu, logvar)
    if objective == "factor_vae":
        if factor_tc is None:
            raise ValueError("factor_vae needs the discriminator's TC estimate")
        return kl + strength * factor_tc
    if objective in ("dip_vae_i", "dip_vae_ii"):
        kind = objective.rsplit("_", 1)[1]
        return kl + dip_regularizer(mu, logvar, strength, lambda_d_factor * strength, kind)
    if objective == "annealed_vae":
        return strength * (kl - capacity(step, c_max, iteration_threshold)).abs()
    raise ValueError(f"unknown objective {objective!r}; expected one of {list(OBJECTIVES)}")


def objective_cost(
    objective: str,
    strength: float,
    params: dict[str, float],
    outputs: tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
    target: torch.Tensor,
    step: int,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(total, recon, kl) batch means of `objective` at `strength`: total = recon + regulariser.

    `outputs` are the model's (logits, μ, log σ², z) for the clean images `target`.
    β-VAE is `vae_loss` itself (bit for bit); the others add `regularizer` with the objective's
    own `params` (TrainConfig.objective_parameters) to the same reconstruction cost. `step` is the
    number of optimiser steps taken before this batch (AnnealedVAE's capacity schedule).
    """
    logits, mu, logvar, z = outputs
    if objective == "beta_vae":
        return vae_loss(logits, target, mu, logvar, strength)
    _, recon, kl = vae_loss(logits, target, mu, logvar, 0.0)
    fields: dict[str, Any] = {k: v for k, v in params.items() if k != "discriminator_lr"}
    if "iteration_threshold" in fields:
        fields["iteration_threshold"] = int(fields["iteration_threshold"])
    extra = regularizer(objective, strength, kl=kl, mu=mu, logvar=logvar, z=z, step=step, **fields)
    return recon + extra, recon, kl
