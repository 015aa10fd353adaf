"""Contains all the data models used in inputs/outputs"""

from .beta_range import BetaRange
from .catalog import Catalog
from .catalog_dataset import CatalogDataset
from .catalog_dataset_name import CatalogDatasetName
from .catalog_metric import CatalogMetric
from .catalog_metric_datasets_item import CatalogMetricDatasetsItem
from .catalog_model_types_item import CatalogModelTypesItem
from .catalog_objective import CatalogObjective
from .catalog_objective_parameters import CatalogObjectiveParameters
from .catalog_preset import CatalogPreset
from .catalog_preset_fields import CatalogPresetFields
from .catalog_preset_name import CatalogPresetName
from .curve_point import CurvePoint
from .curve_public import CurvePublic
from .curve_trend import CurveTrend
from .experiment_created import ExperimentCreated
from .experiment_detail import ExperimentDetail
from .experiment_detail_spec import ExperimentDetailSpec
from .experiment_links import ExperimentLinks
from .experiment_public import ExperimentPublic
from .experiment_status import ExperimentStatus
from .experiments_public import ExperimentsPublic
from .finding_public import FindingPublic
from .finding_public_numbers import FindingPublicNumbers
from .finding_public_verdict import FindingPublicVerdict
from .findings_public import FindingsPublic
from .get_curve_image_model_type_type_0 import GetCurveImageModelTypeType0
from .get_curve_model_type_type_0 import GetCurveModelTypeType0
from .get_tradeoff_model_type_type_0 import GetTradeoffModelTypeType0
from .health import Health
from .http_error import HTTPError
from .http_validation_error import HTTPValidationError
from .mnist_experiment_create import MnistExperimentCreate
from .mnist_experiment_create_metrics_item import MnistExperimentCreateMetricsItem
from .mnist_experiment_create_model_types_item import MnistExperimentCreateModelTypesItem
from .quota_error import QuotaError
from .readiness import Readiness
from .result_key import ResultKey
from .run_counts import RunCounts
from .run_detail import RunDetail
from .run_detail_config import RunDetailConfig
from .run_detail_images import RunDetailImages
from .run_detail_metrics import RunDetailMetrics
from .run_epoch_public import RunEpochPublic
from .run_status import RunStatus
from .run_summary import RunSummary
from .run_summary_metrics import RunSummaryMetrics
from .runs_public import RunsPublic
from .shapes_experiment_create import ShapesExperimentCreate
from .shapes_experiment_create_metrics_item import ShapesExperimentCreateMetricsItem
from .shapes_experiment_create_model_types_item import ShapesExperimentCreateModelTypesItem
from .tradeoff_mean import TradeoffMean
from .tradeoff_point import TradeoffPoint
from .tradeoff_public import TradeoffPublic
from .tradeoff_series import TradeoffSeries
from .training_spec import TrainingSpec
from .training_spec_evaluation import TrainingSpecEvaluation
from .training_spec_objective import TrainingSpecObjective
from .training_spec_preset import TrainingSpecPreset
from .validation_error import ValidationError
from .validation_error_context import ValidationErrorContext

__all__ = (
    "BetaRange",
    "Catalog",
    "CatalogDataset",
    "CatalogDatasetName",
    "CatalogMetric",
    "CatalogMetricDatasetsItem",
    "CatalogModelTypesItem",
    "CatalogObjective",
    "CatalogObjectiveParameters",
    "CatalogPreset",
    "CatalogPresetFields",
    "CatalogPresetName",
    "CurvePoint",
    "CurvePublic",
    "CurveTrend",
    "ExperimentCreated",
    "ExperimentDetail",
    "ExperimentDetailSpec",
    "ExperimentLinks",
    "ExperimentPublic",
    "ExperimentsPublic",
    "ExperimentStatus",
    "FindingPublic",
    "FindingPublicNumbers",
    "FindingPublicVerdict",
    "FindingsPublic",
    "GetCurveImageModelTypeType0",
    "GetCurveModelTypeType0",
    "GetTradeoffModelTypeType0",
    "Health",
    "HTTPError",
    "HTTPValidationError",
    "MnistExperimentCreate",
    "MnistExperimentCreateMetricsItem",
    "MnistExperimentCreateModelTypesItem",
    "QuotaError",
    "Readiness",
    "ResultKey",
    "RunCounts",
    "RunDetail",
    "RunDetailConfig",
    "RunDetailImages",
    "RunDetailMetrics",
    "RunEpochPublic",
    "RunsPublic",
    "RunStatus",
    "RunSummary",
    "RunSummaryMetrics",
    "ShapesExperimentCreate",
    "ShapesExperimentCreateMetricsItem",
    "ShapesExperimentCreateModelTypesItem",
    "TradeoffMean",
    "TradeoffPoint",
    "TradeoffPublic",
    "TradeoffSeries",
    "TrainingSpec",
    "TrainingSpecEvaluation",
    "TrainingSpecObjective",
    "TrainingSpecPreset",
    "ValidationError",
    "ValidationErrorContext",
)
