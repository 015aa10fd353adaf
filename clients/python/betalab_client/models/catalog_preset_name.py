from enum import StrEnum


class CatalogPresetName(StrEnum):
    CALIBRATED = "calibrated"
    PAPER = "paper"
    QUICK = "quick"
    SMOKE = "smoke"

    def __str__(self) -> str:
        return str(self.value)
