from enum import StrEnum


class MnistExperimentCreateMetricsItem(StrEnum):
    LOGREG_ACCURACY = "logreg_accuracy"
    RECONSTRUCTION = "reconstruction"
    SVM_ACCURACY = "svm_accuracy"

    def __str__(self) -> str:
        return str(self.value)
