"""What every tab shares: the two event pools, and handlers bound to their page's language.

Every event handler and API function a tab registers goes through ``handler``: it runs the
function in the language of the page it was built for (so every ``t()`` inside, however deep,
answers in that language), and shows a compute module's UserError as a gr.Error with its sentence.
"""

from __future__ import annotations

import inspect
from functools import partial, wraps

import gradio as gr

from playground import config, i18n
from playground.errors import UserError

# Heavy model calls share one pool; light re-renders run beside it and never wait on the model.
MODEL_EVENT = {"concurrency_id": "model", "concurrency_limit": config.MODEL_CONCURRENCY}
LIGHT_EVENT = {"concurrency_limit": config.LIGHT_CONCURRENCY}


def handler(fn):
    """Bind ``fn`` to the current language (the page being built) and turn UserError into gr.Error.

    Works for plain functions and generators (streaming handlers) alike. The signature is kept,
    which gr.api reads for an endpoint's parameters.
    """
    lang = i18n.current()

    if inspect.isgeneratorfunction(fn):

        @wraps(fn)
        def wrapped_generator(*args, **kwargs):
            # Gradio runs each step of a generator in a fresh copy of the context (one worker-thread
            # call per next()), so the language is set around every step, not once around them all.
            steps = fn(*args, **kwargs)
            while True:
                with i18n.use(lang):
                    try:
                        value = next(steps)
                    except StopIteration:
                        return
                    except UserError as error:
                        raise gr.Error(str(error)) from None
                yield value

        return wrapped_generator

    @wraps(fn)
    def wrapped(*args, **kwargs):
        with i18n.use(lang):
            try:
                return fn(*args, **kwargs)
            except UserError as error:
                raise gr.Error(str(error)) from None

    return wrapped


def endpoint(fn, *bound):
    """``handler(partial(fn, *bound))`` for ``gr.api``, which reads the parameters' type hints:
    a partial has none, so the hints of the parameters left are carried over."""
    api = handler(partial(fn, *bound))
    names = list(inspect.signature(fn).parameters)[len(bound) :]
    api.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k in names or k == "return"}
    return api
