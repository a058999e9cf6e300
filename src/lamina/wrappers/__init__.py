"""``lamina.wrappers`` (``keras.wrappers``): scikit-learn estimators around lamina models.

Example:
    >>> from lamina.wrappers import SKLearnClassifier
"""

from lamina.wrappers.sklearn_wrapper import SKLearnClassifier
from lamina.wrappers.sklearn_wrapper import SKLearnRegressor
from lamina.wrappers.sklearn_wrapper import SKLearnTransformer

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]
