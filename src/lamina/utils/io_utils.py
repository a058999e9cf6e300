"""Where lamina's console output goes: the terminal, or Python logging.

Progress bars, ``summary()`` and the callbacks' messages go through :func:`print_msg`. With
interactive logging on (the default) they are written to ``sys.stdout``; turned off (as in
Keras 3, for jobs whose output is collected by a logging system) each message becomes one
``INFO`` record of the ``"lamina"`` logger instead.
"""

import logging
import sys

_state = {"interactive": True}
_logger = logging.getLogger("lamina")


def enable_interactive_logging():
    """Write progress bars and messages to standard output (the default)."""
    _state["interactive"] = True


def disable_interactive_logging():
    """Send progress bars and messages to the ``"lamina"`` logger (``logging.INFO``).

    Example:
        >>> lamina.config.disable_interactive_logging()
        >>> model.fit(x, y)  # the progress lines arrive as log records
    """
    _state["interactive"] = False


def is_interactive_logging_enabled():
    """Whether output goes to standard output (True) or to Python logging (False)."""
    return _state["interactive"]


def print_msg(message, line_break=True):
    """Show ``message`` the way the logging mode asks.

    Args:
        message: the text.
        line_break: end it with a newline on standard output (log records are lines).
    """
    if _state["interactive"]:
        # Looked up on each call so redirected or captured output (pytest's capsys) is used.
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        text = message.strip("\r\n")
        if text:
            _logger.info(text)
