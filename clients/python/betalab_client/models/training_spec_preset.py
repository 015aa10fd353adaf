from enum import StrEnum


class TrainingSpecPreset(StrEnum):
    PAPER = "paper"
    QUICK = "quick"
    SMOKE = "smoke"

    def __str__(self) -> str:
        return str(self.value)
