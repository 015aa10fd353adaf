from enum import StrEnum


class ShapesExperimentCreateMetricsItem(StrEnum):
    BETA_VAE_CHANGE_ONE = "beta_vae_change_one"
    BETA_VAE_FIX_ONE = "beta_vae_fix_one"
    DCI = "dci"
    FACTOR_VAE = "factor_vae"
    MIG = "mig"
    MODULARITY = "modularity"
    RECONSTRUCTION = "reconstruction"
    SAP = "sap"

    def __str__(self) -> str:
        return str(self.value)
