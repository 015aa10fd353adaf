from enum import StrEnum


class TrainingSpecEvaluation(StrEnum):
    CALIBRATED = "calibrated"
    FAST = "fast"
    FULL = "full"

    def __str__(self) -> str:
        return str(self.value)
