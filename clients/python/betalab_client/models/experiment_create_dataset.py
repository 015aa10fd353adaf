from enum import StrEnum


class ExperimentCreateDataset(StrEnum):
    MNIST = "mnist"
    SHAPES = "shapes"

    def __str__(self) -> str:
        return str(self.value)
