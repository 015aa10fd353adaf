from enum import StrEnum


class ResultKey(StrEnum):
    BETA_VAE_CHANGE_ONE = "beta_vae_change_one"
    BETA_VAE_FIX_ONE = "beta_vae_fix_one"
    DCI_COMPLETENESS = "dci_completeness"
    DCI_DISENTANGLEMENT = "dci_disentanglement"
    DCI_INFORMATIVENESS_TEST = "dci_informativeness_test"
    EXPLICITNESS_TEST = "explicitness_test"
    FACTOR_VAE = "factor_vae"
    KL = "kl"
    LOGREG_ACCURACY = "logreg_accuracy"
    MIG = "mig"
    MODULARITY = "modularity"
    RECON_L2 = "recon_l2"
    RECON_LOSS = "recon_loss"
    SAP = "sap"
    SVM_ACCURACY = "svm_accuracy"
    TOTAL_COST = "total_cost"

    def __str__(self) -> str:
        return str(self.value)
