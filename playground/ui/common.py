"""What every tab shares: the two event pools, and user errors shown as gr.Error sentences."""

from __future__ import annotations

from functools import wraps

import gradio as gr

from playground import config
from playground.errors import UserError

# Heavy model calls share one pool; light re-renders run beside it and never wait on the model.
MODEL_EVENT = {"concurrency_id": "model", "concurrency_limit": config.MODEL_CONCURRENCY}
LIGHT_EVENT = {"concurrency_limit": config.LIGHT_CONCURRENCY}


def user_errors(fn):
    """Show a compute module's UserError as a gr.Error with its sentence. The signature is kept,
    which gr.api reads for an endpoint's parameters."""

    @wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as error:
            raise gr.Error(str(error)) from None

    return wrapped
