"""GET /catalog: what an experiment may be made of (public: it reveals no data)."""

from __future__ import annotations

from fastapi import APIRouter

from api.catalog import catalog
from api.schemas import Catalog

router = APIRouter(tags=["catalog"])


@router.get("/catalog", response_model=Catalog)
def get_catalog() -> Catalog:
    """Datasets (with the metrics that apply and the defaults), model types, every metric group
    with the result keys it yields, and the training presets with their fields."""
    return catalog()
