"""The app's API, declared once.

- ``params``: a ``Param`` per setting (name, type, default, range, the sentence's name, the README's
  words); the compute modules check values with them.
- ``endpoints``: an ``Endpoint`` per API endpoint (its parameters in the contract's order, its compute
  function, its pool, what it returns) and ``ENDPOINTS``, the list the app, the README and the tests
  take.
- ``readme``: the README's API table, made from the declarations.

Nothing here imports gradio: playground/ui/endpoints.py binds the declarations to ``gr.api``.
"""
