"""Training: ``trainer.py`` runs epochs, callbacks and logs once for every backend;
``<backend>_trainer.py`` (picked here, by the backend's name) builds the step functions.
"""

import importlib

from lamina.backend import config

engine = importlib.import_module(f"lamina.trainers.{config.backend()}_trainer")
