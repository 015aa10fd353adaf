from enum import StrEnum


class TrainingSpecObjective(StrEnum):
    ANNEALED_VAE = "annealed_vae"
    BETA_TCVAE = "beta_tcvae"
    BETA_VAE = "beta_vae"
    DIP_VAE_I = "dip_vae_i"
    DIP_VAE_II = "dip_vae_ii"

    def __str__(self) -> str:
        return str(self.value)
