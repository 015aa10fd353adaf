from enum import StrEnum


class GetTradeoffModelTypeType0(StrEnum):
    CONV = "conv"
    CONV_DENOISING = "conv-denoising"
    FC = "fc"
    FC_DENOISING = "fc-denoising"

    def __str__(self) -> str:
        return str(self.value)
