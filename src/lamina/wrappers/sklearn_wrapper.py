"""scikit-learn estimators around lamina models: ``SKLearnClassifier``,
``SKLearnRegressor`` and ``SKLearnTransformer`` (``keras.wrappers``).

Each wraps a compiled model, or a function that builds one from the training data, so the
model can sit in a scikit-learn ``Pipeline``, ``GridSearchCV`` or ``cross_val_score``.
scikit-learn itself is needed only when an estimator is created (``pip install
scikit-learn``); without it the names still import, and creating one raises ImportError.

The estimators keep scikit-learn's rules: the constructor only stores its arguments
(``get_params`` / ``set_params`` / ``clone`` work), ``fit`` validates ``X`` and ``y``,
attributes learned by ``fit`` end with an underscore (``model_``, ``history_``,
``classes_``, ``n_features_in_``), and a method that needs a fitted estimator raises
``NotFittedError`` before ``fit``.
"""

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator
    from sklearn.base import ClassifierMixin
    from sklearn.base import RegressorMixin
    from sklearn.base import TransformerMixin
except ImportError:  # the names stay importable; creating an estimator says what to install
    sklearn = None

    class BaseEstimator:
        """Stand-in base class when scikit-learn is not installed."""

    class ClassifierMixin:
        """Stand-in mixin when scikit-learn is not installed."""

    class RegressorMixin:
        """Stand-in mixin when scikit-learn is not installed."""

    class TransformerMixin:
        """Stand-in mixin when scikit-learn is not installed."""


def _require_sklearn(owner):
    if sklearn is None:
        raise ImportError(
            f"{owner} needs scikit-learn, which is not installed. Install it with "
            "`pip install scikit-learn`."
        )


def _validate(estimator, X, y=None, reset=True, multi_output=False):
    """scikit-learn's own input validation (sets or checks ``n_features_in_``)."""
    try:
        from sklearn.utils.validation import validate_data
    except ImportError:  # scikit-learn < 1.6
        def validate_data(est, *args, **kwargs):
            return est._validate_data(*args, **kwargs)
    if y is None:
        return validate_data(estimator, X, reset=reset)
    return validate_data(estimator, X, y, reset=reset, multi_output=multi_output)


def _check_fitted(estimator):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)


class _SKLearnBase(BaseEstimator):
    """What the three estimators share: building or cloning the model, fit, predict."""

    _multi_output = True

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        _require_sklearn(type(self).__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True  # weight initialization and shuffling are random
        return tags

    def _more_tags(self):  # scikit-learn < 1.6 reads tags from here
        return {"non_deterministic": True}

    def __sklearn_clone__(self):
        """An unfitted copy with the same parameters (``sklearn.base.clone``): a model
        instance is copied (same architecture, compile settings and weights), a model
        building function is shared."""
        from lamina.models import Model
        from lamina.models import clone_model

        model = self.model
        if isinstance(model, Model):
            copy = clone_model(model)
            copy.set_weights(model.get_weights())
            model = copy
        return type(self)(model=model, warm_start=self.warm_start,
                          model_kwargs=self.model_kwargs, fit_kwargs=self.fit_kwargs)

    @property
    def epoch_(self):
        """The number of epochs the last ``fit`` trained (0 before any)."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    # -- the model --------------------------------------------------------------------
    def _get_model(self, X, y):
        from lamina.models import Model
        from lamina.models import clone_model

        if self.warm_start and getattr(self, "model_", None) is not None:
            return self.model_
        if isinstance(self.model, Model):
            return self.model if self.warm_start else clone_model(self.model)
        if not callable(self.model):
            raise TypeError(
                f"{type(self).__name__}: `model` must be a compiled lamina Model or a "
                "function that returns one (called as model(X=X, y=y, **model_kwargs)). "
                f"Received: model={self.model!r}."
            )
        model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        if not isinstance(model, Model):
            raise TypeError(
                f"{type(self).__name__}: the `model` function must return a compiled "
                f"lamina Model; it returned {type(model).__name__}."
            )
        return model

    def _check_compiled(self, model):
        if not getattr(model, "compiled", False) or model.optimizer is None or \
                not getattr(model, "_compile_args", {}).get("loss"):
            raise RuntimeError(
                f"{type(self).__name__}: the model must be compiled with a loss and an "
                "optimizer before fit. Call model.compile(optimizer=..., loss=...) on it "
                "(or in the function that builds it)."
            )

    # -- targets: reshaped to 2-D for the model and back for the caller ----------------
    def _encode_target(self, y, reset):
        y = np.asarray(y)
        if reset:
            self._target_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _decode_target(self, output):
        output = np.asarray(output)
        if self._target_ndim == 1 and output.ndim == 2 and output.shape[1] == 1:
            return output.ravel()
        return output

    # -- the scikit-learn interface ----------------------------------------------------
    def fit(self, X, y, **kwargs):
        """Train the model on ``X`` and ``y``.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.
            y: array-like of shape ``(n_samples,)`` or ``(n_samples, n_outputs)``.
            **kwargs: arguments of ``model.fit`` (``epochs``, ``batch_size``,
                ``verbose``...); they take precedence over ``fit_kwargs``.

        Returns:
            The estimator itself.
        """
        X, y = _validate(self, X, y, reset=True, multi_output=self._multi_output)
        target = self._encode_target(y, reset=True)
        model = self._get_model(X, target)
        self._check_compiled(model)
        arguments = dict(self.fit_kwargs or {})
        arguments.update(kwargs)
        self.history_ = model.fit(X, target, **arguments)
        self.model_ = model
        return self

    def _raw_predict(self, X):
        _check_fitted(self)
        X = _validate(self, X, reset=False)
        return np.asarray(self.model_.predict(X, verbose=0))


class SKLearnClassifier(ClassifierMixin, _SKLearnBase):
    """A scikit-learn classifier around a lamina model.

    ``fit`` one-hot encodes the class labels (any sortable labels: ints, strings) into
    ``len(classes_)`` columns, so the model should end in a softmax ``Dense`` with one unit
    per class and be compiled with ``categorical_crossentropy``. ``predict`` returns the
    label of the largest output (with a single output column: the second class where it is
    above 0.5); ``predict_proba`` / ``decision_function`` return the raw outputs; ``score``
    is the accuracy.

    Args:
        model: a compiled ``Model`` (copied with ``clone_model`` at each ``fit``, so it
            starts from fresh weights, unless ``warm_start``), or a function called as
            ``model(X=X, y=y, **model_kwargs)`` that returns a compiled model (``y`` is the
            one-hot target, so ``y.shape[1]`` is the number of classes).
        warm_start: if True, ``fit`` continues training the model of the previous ``fit``
            (or trains the given model instance itself) instead of starting afresh.
        model_kwargs: keyword arguments for the ``model`` function.
        fit_kwargs: keyword arguments for ``model.fit`` (e.g. ``{"epochs": 10}``).

    Attributes:
        model_: the trained model. history_: the ``History`` of the last fit.
        classes_: the sorted class labels. n_features_in_: the number of input features.

    Example:
        >>> def build(X, y):
        ...     model = lamina.Sequential([lamina.Input((X.shape[1],)),
        ...                                lamina.layers.Dense(y.shape[1], "softmax")])
        ...     model.compile(optimizer="adam", loss="categorical_crossentropy")
        ...     return model
        >>> clf = SKLearnClassifier(build, fit_kwargs={"epochs": 20, "verbose": 0})
        >>> clf.fit(X, y).score(X, y)
    """

    _multi_output = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags

    def _more_tags(self):
        return {"non_deterministic": True, "poor_score": True}

    def _encode_target(self, y, reset):
        from sklearn.utils.multiclass import type_of_target

        y = np.asarray(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                "SKLearnClassifier: only binary and multiclass targets (one label per "
                f"sample) are supported. The target's type is {kind!r}; for continuous "
                "targets use SKLearnRegressor."
            )
        labels = y.reshape(-1)
        if reset:
            self._target_ndim = y.ndim
            self.classes_ = np.unique(labels)
            if len(self.classes_) < 2:
                raise ValueError(
                    "SKLearnClassifier: the target has only one class "
                    f"({self.classes_[0]!r}); a classifier needs at least two."
                )
        index = np.searchsorted(self.classes_, labels)
        unknown = (index >= len(self.classes_)) | (
            self.classes_[np.minimum(index, len(self.classes_) - 1)] != labels)
        if unknown.any():
            raise ValueError(
                f"SKLearnClassifier: labels {np.unique(labels[unknown])!r} were not seen by "
                f"fit (classes: {self.classes_!r})."
            )
        return np.eye(len(self.classes_), dtype="float32")[index]

    def predict(self, X):
        """The predicted class label of each sample of ``X``.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            An array of labels from ``classes_``, shaped like the ``y`` given to fit.
        """
        output = self._raw_predict(X)
        if output.ndim != 2:
            output = output.reshape(len(output), -1)
        if output.shape[1] == 1:
            index = (output[:, 0] > 0.5).astype("int64")
        else:
            index = np.argmax(output, axis=1)
        labels = self.classes_[index]
        return labels.reshape(-1, 1) if self._target_ndim == 2 else labels

    def decision_function(self, X):
        """The model's raw outputs for ``X`` (one column per class).

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            A NumPy array of shape ``(n_samples, n_classes)``.
        """
        return self._raw_predict(X)

    def predict_proba(self, X):
        """The model's outputs for ``X``: class probabilities when it ends in a softmax.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            A NumPy array of shape ``(n_samples, n_classes)``.
        """
        return self._raw_predict(X)


class SKLearnRegressor(RegressorMixin, _SKLearnBase):
    """A scikit-learn regressor around a lamina model.

    The targets reach the model as a 2-D array (a 1-D ``y`` becomes one column);
    ``predict`` returns the model's outputs in the shape of the ``y`` given to fit
    (1-D for a 1-D ``y``); ``score`` is the R^2.

    Args:
        model: a compiled ``Model`` (copied with ``clone_model`` at each ``fit`` unless
            ``warm_start``), or a function called as ``model(X=X, y=y, **model_kwargs)``
            that returns a compiled model.
        warm_start: if True, ``fit`` continues training the previous fit's model.
        model_kwargs: keyword arguments for the ``model`` function.
        fit_kwargs: keyword arguments for ``model.fit``.

    Attributes:
        model_: the trained model. history_: the ``History`` of the last fit.
        n_features_in_: the number of input features.

    Example:
        >>> reg = SKLearnRegressor(build, fit_kwargs={"epochs": 50, "verbose": 0})
        >>> reg.fit(X, y).predict(X[:3])
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags

    def _more_tags(self):
        return {"non_deterministic": True, "poor_score": True}

    def predict(self, X):
        """The model's predictions for ``X``.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            A NumPy array shaped like the ``y`` given to fit.
        """
        return self._decode_target(self._raw_predict(X))


class SKLearnTransformer(TransformerMixin, _SKLearnBase):
    """A scikit-learn transformer around a lamina model: ``fit`` trains the model on
    ``X`` and ``y``, ``transform`` returns its outputs (e.g. an embedding) for ``X``.

    Args:
        model: a compiled ``Model`` (copied with ``clone_model`` at each ``fit`` unless
            ``warm_start``), or a function called as ``model(X=X, y=y, **model_kwargs)``
            that returns a compiled model.
        warm_start: if True, ``fit`` continues training the previous fit's model.
        model_kwargs: keyword arguments for the ``model`` function.
        fit_kwargs: keyword arguments for ``model.fit``.

    Attributes:
        model_: the trained model. history_: the ``History`` of the last fit.
        n_features_in_: the number of input features.

    Example:
        >>> pipe = make_pipeline(SKLearnTransformer(build), LogisticRegression())
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags

    def _more_tags(self):
        return {"non_deterministic": True, "preserves_dtype": []}

    def transform(self, X):
        """The model's outputs for ``X``.

        Args:
            X: array-like of shape ``(n_samples, n_features)``.

        Returns:
            A NumPy array of the model's outputs.
        """
        return self._raw_predict(X)

    def fit_transform(self, X, y=None, **kwargs):
        """``fit(X, y, **kwargs)`` then ``transform(X)``."""
        return self.fit(X, y, **kwargs).transform(X)
