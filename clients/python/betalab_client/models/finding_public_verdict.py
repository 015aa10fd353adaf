from enum import StrEnum


class FindingPublicVerdict(StrEnum):
    INCONCLUSIVE = "inconclusive"
    NOT_REPRODUCED = "not reproduced"
    REPRODUCED = "reproduced"

    def __str__(self) -> str:
        return str(self.value)
