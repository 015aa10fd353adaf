from enum import StrEnum


class CatalogDatasetName(StrEnum):
    MNIST = "mnist"
    SHAPES = "shapes"

    def __str__(self) -> str:
        return str(self.value)
